"""Django's en formats, with the ISO forms first for inputs.

<input type="date"> and <input type="datetime-local"> accept only ISO values; Django renders a
widget's initial value with the first input format, so the ISO one must come first or a form's
default date shows up blank in the browser.
"""

from django.conf.locale.en.formats import *  # noqa: F403
from django.conf.locale.en.formats import DATE_INPUT_FORMATS as _DATE
from django.conf.locale.en.formats import DATETIME_INPUT_FORMATS as _DATETIME

DATE_INPUT_FORMATS = ["%Y-%m-%d", *[f for f in _DATE if f != "%Y-%m-%d"]]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", *_DATETIME]
