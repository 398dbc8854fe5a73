"""WeChat, behind one package: the only code that imports wechatpy.

``core`` holds the client (shared access tokens through Redis, timeouts, the stable-token
fetch) and the calls of login, phone numbers and mini-program codes; ``text_check`` the text
security check; ``subscribe`` the subscribe-message send. Callers use the names below.
"""

from sunshine.wechat.core import WxSession as WxSession
from sunshine.wechat.core import build_client as build_client
from sunshine.wechat.core import client as client
from sunshine.wechat.core import code_to_session as code_to_session
from sunshine.wechat.core import get_phone_number as get_phone_number
from sunshine.wechat.core import init_app as init_app
from sunshine.wechat.core import mini_program_code as mini_program_code
from sunshine.wechat.subscribe import QUOTA_REFUSED as QUOTA_REFUSED
from sunshine.wechat.subscribe import SendResult as SendResult
from sunshine.wechat.subscribe import send_subscribe_message as send_subscribe_message
from sunshine.wechat.text_check import TEXT_CHECK_MAX as TEXT_CHECK_MAX
from sunshine.wechat.text_check import TextVerdict as TextVerdict
from sunshine.wechat.text_check import check_text as check_text
