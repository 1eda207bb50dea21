"""Channel openings, sign-offs and agent boilerplate, removed before aspects are tagged.

Call and chat notes start with what the system or the agent wrote ("客户来电反映：",
"在线客服记录：", "Call note - "), e-mails with a greeting, posts with a tag or mention
("#安和银行#", "@brand"); they end with sign-offs ("谢谢", "Best regards", "Sent from my
iPhone"); transcripts carry agent phrases ("请问还有什么可以帮您", "Is there anything else I can
help you with"). None of it is what the customer says about an aspect, and left in place it is
tagged (客服 in "在线客服记录" reads as service) and lends its sentiment to the next clause.

:func:`strip_boilerplate` removes openings at the start (repeatedly), sign-offs at the end, and
agent phrases wherever they form a whole clause. It never empties a comment that has content:
if everything would go, the text is returned unchanged ("谢谢" alone is a thank-you).
:func:`is_opening_only` tells a comment that is nothing but a channel opening ("客户来电反映：",
a note whose body is missing): it says nothing about any aspect, and the reading tags none —
since session 19 the detector's fallback would otherwise give it the aspect agent notes most
often carry.
"""

from __future__ import annotations

import re

__all__ = ["is_opening_only", "strip_boilerplate"]

_OPENINGS = [
    r"(?:[在再]线)?客服(?:聊天)?记录(?:\s*[:：]|\s+)",  # 再线: a common typing slip
    r"(?:客户|用户|持卡人)?(?:来电|致电|电话)(?:反映|反馈|投诉|咨询|称|表示)?\s*[:：]?",
    r"客户(?:反映|反馈|投诉|咨询|表示|称)\s*[:：]?",
    r"(?:通话|电话|工单|会话)(?:记录|小结|摘要)\s*[:：]",
    r"【[^】]{1,12}】",
    r"#[^#\s]{1,20}#",
    r"@\S{1,30}\s+",
    r"(?:您好|你好|尊敬[的得地][^，,：:]{0,10}|亲爱的[^，,：:]{0,10}|hi|hello|dear\s+\w+(?:\s+\w+)?|"
    r"to whom it may concern)\s*[,，:：!！]",
    r"(?:customer\s+)?(?:called|call note|chat(?: transcript| log)?|caller reports?|email|review|"
    r"re\s+[^:]{1,30})\s*[:\-–]\s*",
    r"(?:吐槽一下|分享一下|说说|来说说)[^，,：:]{0,12}[:：，,]",
]
_SIGNOFFS = [
    r"(?:谢谢|多谢|感谢)(?:您|你们)?[!！。.]*",
    r"此致\s*敬礼[!！。.]*",
    r"(?:best|kind|warm)?\s*regards[,.!]*(?:\s+\w+)?",
    r"(?:many\s+)?thanks(?:\s+in\s+advance)?[,.!]*(?:\s+\w+)?",
    r"sent from my \w+",
    r"发自我的\w+",
]
_AGENT = [
    r"请问还有(?:什么|其他)(?:可以|能)(?:帮|为)(?:您|你)\S*",
    r"(?:感谢|谢谢)您的(?:来电|耐心等待|支持)",
    r"很高兴为您服务",
    r"(?:已为您|已经为您)(?:记录|登记|反馈)\S*",
    r"(?:本次)?通话(?:可能)?(?:将被|会被)录音",
    r"is there anything else i can (?:help|do for) you(?: with)?",
    r"thank you for (?:calling|contacting us|your patience)",
    r"this call (?:may|will) be recorded",
    r"how (?:may|can) i help you(?: today)?",
]
_OPEN = re.compile(r"^\s*(?:" + "|".join(_OPENINGS) + r")\s*", re.IGNORECASE)
_CLOSE = re.compile(r"[\s,，。.!！]*(?:" + "|".join(_SIGNOFFS) + r")\s*$", re.IGNORECASE)
_AGENT_RE = re.compile(
    r"(?:^|(?<=[，,。.!！?？;；]))\s*(?:" + "|".join(_AGENT) + r")\s*[，,。.!！?？]*",
    re.IGNORECASE,
)


def is_opening_only(text: str) -> bool:
    """Whether ``text`` is channel openings and nothing else.

    Examples
    --------
    >>> is_opening_only("客户来电反映：")
    True
    >>> is_opening_only("客户来电反映：年费太贵")
    False
    >>> is_opening_only("谢谢")
    False
    """
    return bool(text.strip()) and not _without_openings(text).strip(" ，,。.:：")


def _without_openings(text: str) -> str:
    """``text`` without the channel openings at its start (up to three, one after another)."""
    out = text
    for _ in range(3):
        new = _OPEN.sub("", out, count=1)
        if new == out:
            break
        out = new
    return out


def strip_boilerplate(text: str) -> str:
    """``text`` without channel openings, sign-offs and agent phrases (see the module docs).

    Examples
    --------
    >>> strip_boilerplate("在线客服记录：年费太贵了。谢谢")
    '年费太贵了'
    >>> strip_boilerplate("Call note - customer says the app crashes. Thanks")
    'customer says the app crashes'
    >>> strip_boilerplate("谢谢")
    '谢谢'
    """
    out = _AGENT_RE.sub("", _without_openings(text))
    for _ in range(2):
        new = _CLOSE.sub("", out)
        if new == out:
            break
        out = new
    out = out.strip(" ，,")
    return out if out else text
