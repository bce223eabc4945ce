from ninja import Router

# The early warnings (anxin.warnings) keep their /api/ledgers/warnings address until every router is
# mounted beside anxin/urls.py (issue #10, item 1); this is the one place the ledgers name them.
from anxin.warnings.api import router as warnings

from .care.api import router as care
from .education.api import router as education
from .gate.api import router as gate
from .hazards.api import router as hazards
from .patrol.api import router as patrol

router = Router(tags=["ledgers"])
router.add_router("/patrol", patrol)
router.add_router("/gate", gate)
router.add_router("/hazards", hazards)
router.add_router("/care", care)
router.add_router("/education", education)
router.add_router("/warnings", warnings)
