"""Extensions created once and initialised by create_app."""

from hashlib import sha512

from flask import current_app, request
from flask_babel import Babel
from flask_login import LoginManager
from htmx_flask import Htmx

from portal.security import MaskedCSRFProtect


class PortalLoginManager(LoginManager):
    """flask-login's, but for the cookie that clears its remember cookie (sent when "strong"
    protection ends a session, and on logout): flask-login sends it with none of the
    cookie's attributes, so that over HTTPS it was the one cookie of the portal without
    `Secure`. The portal sets no remember cookie; the clearing keeps the same attributes as
    the session's (REMEMBER_COOKIE_*)."""

    def _clear_cookie(self, response):
        config = current_app.config
        response.delete_cookie(config.get("REMEMBER_COOKIE_NAME", "remember_token"),
                               domain=config.get("REMEMBER_COOKIE_DOMAIN"),
                               path=config.get("REMEMBER_COOKIE_PATH", "/"),
                               secure=config.get("REMEMBER_COOKIE_SECURE", False),
                               httponly=config.get("REMEMBER_COOKIE_HTTPONLY", True),
                               samesite=config.get("REMEMBER_COOKIE_SAMESITE"))


babel = Babel()
csrf = MaskedCSRFProtect()  # the token in pages is masked (portal.security)
htmx = Htmx()
login_manager = PortalLoginManager()
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
