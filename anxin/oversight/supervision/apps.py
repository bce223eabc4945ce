from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "anxin.oversight.supervision"
    label = "oversight_supervision"
    verbose_name = _("督导检查")

    def ready(self) -> None:
        from anxin.access.matrix import install_rules

        from . import panels, permissions, tasks  # noqa: F401  (resources, 工作台 panels, the overdue sweep)

        install_rules()

        from anxin.audit.labels import register

        from . import events

        register(
            {
                events.SCORECARD_POLICY_SET: _("设置考评规则"),
                events.INSPECTOR_ASSIGNED: _("分配责任督学"),
                events.INSPECTOR_UNASSIGNED: _("取消督学分配"),
                events.VISIT_RECORDED: _("记录督导检查"),
                events.VISIT_PHOTO_ADDED: _("补充督导检查照片"),
                events.ORDER_ISSUED: _("下达整改通知"),
                events.ORDER_RESPONDED: _("反馈整改情况"),
                events.ORDER_CLOSED: _("整改复查通过"),
                events.ORDER_SENT_BACK: _("退回重新整改"),
                events.ORDER_EXTENDED: _("延长整改期限"),
                events.ORDER_CANCELLED: _("撤销整改通知"),
                events.ORDER_ESCALATED: _("整改逾期上报"),
                events.INTERVIEW_RECORDED: _("记录约谈"),
                events.NOTICE_ISSUED: _("发布通报"),
                events.NOTICE_READ: _("通报已阅"),
            }
        )
