from ninja import Router

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
