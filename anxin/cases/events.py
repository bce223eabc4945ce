"""The names the case procedure writes to the audit trail (anxin.audit.labels names them in Chinese).

The trail is append-only: an event keeps the name it was written with. Until issue 10 (December
2026) a view of a case was written ``case.opened``, which read like its creation; it is written
``case.viewed`` now, and the audit log shows and finds the old rows as viewings
(``anxin.audit.labels.RENAMED``).
"""

from typing import Final

#: A case was opened (created), from reports or directly. The name predates ``case.viewed`` and
#: is kept, so that every creation in the trail has one name.
CASE_CREATED: Final = "case.opened_new"
#: Someone read a case's page or its detail in the API.
CASE_VIEWED: Final = "case.viewed"
#: A bureau member listed the cases with the children's names shown.
CASE_BUREAU_LIST_VIEWED: Final = "case.bureau_list_viewed"
#: A school listed other schools' cases its own students are involved in.
CASE_INVOLVED_VIEWED: Final = "case.involved_viewed"
CASE_FILE_PRINTED: Final = "case.file_printed"
CASE_NOTICE_PRINTED: Final = "case.notice_printed"
CASE_ATTACHMENT_DOWNLOADED: Final = "case.attachment_downloaded"
#: A county or the city set the deadlines its cases follow.
CASE_POLICY_SET: Final = "case_policy.set"


def step_taken(step: str) -> str:
    """The event of a procedure step (``case.determine``…): named after the step in
    ``anxin.cases.workflow.TABLE``, which is also the action's name in the API, and labelled from it."""
    return f"case.{step}"
