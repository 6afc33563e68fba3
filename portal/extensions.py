"""Extensions created once and initialised by create_app."""

from hashlib import sha512

from flask import request
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


def browser_identifier() -> str:
    """What ties a session to the browser that logged in (flask-login's "strong" protection
    logs the session out when it changes): the browser's User-Agent, hashed. Not the address
    as well, which flask-login's own identifier adds: a phone's address changes between the
    school's Wi-Fi and mobile data, a mobile carrier's NAT changes it, and a dual-stack phone may
    come over IPv6 and IPv4 by turns; each change logged the student out, in the middle of a
    form. (Its address was also the first X-Forwarded-For entry, which the client writes.)"""
    user_agent = request.headers.get("User-Agent", "")
    return sha512(user_agent.encode()).hexdigest()


login_manager._session_identifier_generator = browser_identifier
