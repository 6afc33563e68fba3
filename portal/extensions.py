"""Extensions created once and initialised by create_app."""

from flask_babel import Babel
from flask_login import LoginManager
from htmx_flask import Htmx

from portal.security import MaskedCSRFProtect

babel = Babel()
csrf = MaskedCSRFProtect()  # the token in pages is masked (portal.security)
htmx = Htmx()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"
