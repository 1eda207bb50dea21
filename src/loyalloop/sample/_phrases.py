# ruff: noqa: E501  (phrase tables read best one bank per line)
"""Phrase banks for synthetic customer comments (Chinese, English and code-switched Chinese).

A clause is built from a **subject** (how a customer names the aspect: 年费, 每年那笔卡费, "the
yearly charge" …) and a **predicate** for the intended sentiment, with ``{s}`` marking where the
subject goes. Subjects and predicates were written from how customers of a card business or a
shop talk, not from the taxonomy's keywords: some subjects are phrasings no taxonomy lists, so
aspect detection is not handed every answer. Predicates hold slots filled with plausible
numbers (:data:`SLOTS`): ``{fee}`` yuan of annual fee, ``{rate}`` percent a year, ``{min}``
minutes of waiting, ``{times}`` repeat contacts, ``{days}``, ``{amount}``, ``{limit}``,
``{points}``, ``{day}`` (a day of the month, 1–28).

Per aspect and language: ``pos`` / ``neg`` / ``neu`` predicates, ``ask`` (questions, neutral),
``sarcasm`` (praise words, negative meaning). Comment-level material: :data:`FILLERS` (clauses
about nothing in the taxonomy), :data:`OPENERS` and :data:`CLOSERS` per channel (openings,
agent boilerplate and sign-offs a good analysis strips), :data:`CANCEL` (requests to close),
:data:`EFFORT` (repeat contacts, transfers), :data:`PII` (contact details customers paste into
notes), :data:`TYPOS`.

Aspect table: name -> (sentiment bias, frequency weight, driver weight). The driver weight is
how strongly a negative or positive experience of the aspect moves the author's NPS and CSAT
(the truth a key-driver analysis should find).
"""

from __future__ import annotations

__all__ = [
    "ASPECTS",
    "CANCEL",
    "CLOSERS",
    "DRIFT",
    "EFFORT",
    "FILLERS",
    "FOLLOW_UP",
    "INTENSIFIERS",
    "MIXED_SUBJECTS",
    "OPENERS",
    "PHRASES",
    "PII",
    "PROCESS",
    "SLOTS",
    "SUBJECTS",
    "TYPOS",
]

ASPECTS: dict[str, dict[str, tuple[float, float, float]]] = {
    "card": {
        "annual_fee": (-0.5, 1.1, 1.3),
        "interest": (-0.75, 0.9, 0.7),
        "fees": (-0.3, 0.6, 0.4),
        "credit_limit": (-0.15, 0.9, 0.5),
        "rewards_points": (0.3, 1.1, 0.5),
        "service_attitude": (0.15, 1.2, 0.6),
        "waiting_time": (-0.45, 0.9, 0.5),
        "app_online": (0.2, 1.1, 0.4),
        "fraud_security": (0.05, 0.6, 0.7),
        "billing": (-0.1, 0.7, 0.4),
    },
    "retail": {
        "price": (-0.3, 1.2, 0.8),
        "quality": (0.2, 1.2, 1.1),
        "delivery": (0.05, 1.0, 0.5),
        "returns": (-0.35, 0.7, 0.7),
        "staff": (0.2, 0.9, 0.5),
        "stock": (-0.2, 0.7, 0.4),
        "waiting_time": (-0.3, 0.4, 0.3),
        "app_online": (0.1, 0.5, 0.3),
    },
}

#: The aspect whose satisfaction drifts (truth for trend alerts): bias moves linearly from
#: ``from`` to ``to`` over the last ``months`` months of the window (a release gone wrong).
DRIFT: dict[str, dict[str, float | str]] = {
    "card": {"aspect": "app_online", "from": 0.0, "to": -2.0, "months": 9},
    "retail": {"aspect": "delivery", "from": 0.0, "to": -2.0, "months": 9},
}

#: Slot -> (low, high, step).
SLOTS: dict[str, tuple[int, int, int]] = {
    "fee": (100, 1200, 100),
    "rate": (6, 18, 1),
    "min": (15, 90, 5),
    "times": (2, 6, 1),
    "days": (2, 15, 1),
    "amount": (20, 900, 10),
    "limit": (2000, 50000, 1000),
    "points": (2000, 60000, 1000),
    "day": (1, 28, 1),
    "price": (39, 899, 10),
}

INTENSIFIERS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"pos": ("很", "非常", "特别", "挺", "超", "真的很", "相当"),
           "neg": ("太", "非常", "特别", "实在", "真的太", "有点", "很", "贼")},
    "en": {"pos": ("very", "really", "super", "quite", "so", "pretty"),
           "neg": ("very", "really", "way too", "pretty", "so", "rather")},
}  # fmt: skip

Bank = dict[str, dict[str, tuple[str, ...]]]  # language -> kind -> strings

SUBJECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "annual_fee": {"zh": ("年费", "这张卡的年费", "每年的卡费", "会员年费", "年费这块"),
                   "en": ("the annual fee", "the yearly fee", "the card's annual charge", "the fee")},
    "interest": {"zh": ("分期利率", "利息", "分期的费率", "循环利息", "现金分期的利率"),
                 "en": ("the interest rate", "the interest", "the instalment rate", "the APR")},
    "fees": {"zh": ("取现手续费", "手续费", "境外交易手续费", "滞纳金", "各种杂费"),
             "en": ("the cash advance fee", "the late fees", "the foreign transaction fees", "the charges")},
    "credit_limit": {"zh": ("额度", "信用额度", "提额", "临时额度", "我的卡额度"),
                     "en": ("my credit limit", "the limit", "the credit line", "my spending limit")},
    "rewards_points": {"zh": ("积分", "积分兑换", "返现", "里程兑换", "卡的权益"),
                       "en": ("the points", "the cashback", "the rewards", "redeeming points", "the perks")},
    "service_attitude": {"zh": ("客服", "客服小姐姐", "人工客服", "柜台的工作人员", "客户经理"),
                         "en": ("customer service", "the agent", "the staff at the branch", "the rep I spoke to")},
    "waiting_time": {"zh": ("打客服电话", "转人工", "排队", "等回复"),
                     "en": ("getting through on the phone", "reaching a person", "the queue at the branch", "a reply")},
    "app_online": {"zh": ("手机银行", "APP", "app", "信用卡app", "网银"),
                   "en": ("the app", "the mobile app", "online banking", "the website")},
    "fraud_security": {"zh": ("盗刷处理", "风控", "交易提醒", "账户安全", "异常交易的处理"),
                       "en": ("fraud protection", "the fraud team", "the security checks", "the transaction alerts")},
    "billing": {"zh": ("账单", "还款", "自动还款", "账单明细", "扣款"),
                "en": ("the statement", "my bill", "autopay", "the repayment", "the billing")},
    # session 24: "the tag price" replaced "value for money" and "售价" replaced "性价比", whose
    # level reads the other way round in the price predicates ("value for money is very high"
    # is praise; "性价比太贵", "刚买完性价比就降了" are nonsense)
    "price": {"zh": ("价格", "价钱", "售价", "会员价", "标价"),
              "en": ("the price", "the prices", "the tag price", "the member price")},
    "quality": {"zh": ("质量", "做工", "面料", "东西", "商品质量"),
                "en": ("the quality", "the material", "the stitching", "the product")},
    "delivery": {"zh": ("快递", "物流", "发货", "送货", "配送"),
                 "en": ("delivery", "shipping", "the courier", "the parcel")},
    "returns": {"zh": ("退货", "退款", "换货", "售后"),
                "en": ("the return", "my refund", "the exchange", "after-sales")},
    "staff": {"zh": ("店员", "导购", "收银员", "店里的客服"),
              "en": ("the staff", "the sales assistant", "the cashier", "support")},
    "stock": {"zh": ("库存", "尺码", "货品", "新品"),
              "en": ("stock", "my size", "the selection", "new arrivals")},
    "waiting_time_retail": {"zh": ("排队结账", "收银台排队"),
                            "en": ("the checkout queue", "the line at the till")},
    "app_online_retail": {"zh": ("app下单", "小程序", "网站"),
                          "en": ("the app", "the website", "checkout online")},
}  # fmt: skip

#: English nouns a code-switching Chinese writer drops into a Chinese clause.
MIXED_SUBJECTS: dict[str, tuple[str, ...]] = {
    "annual_fee": ("annual fee",), "interest": ("interest rate", "APR"), "fees": ("fee",),
    "credit_limit": ("limit", "credit limit"), "rewards_points": ("points", "cashback"),
    "service_attitude": ("customer service", "CS"), "waiting_time": ("hotline",),
    "app_online": ("app", "APP"), "fraud_security": ("security check",),
    "billing": ("bill", "statement"), "price": ("price",), "quality": ("quality",),
    "delivery": ("delivery",), "returns": ("refund",), "staff": ("staff",), "stock": ("stock",),
}  # fmt: skip

PHRASES: dict[str, Bank] = {
    "annual_fee": {
        "zh": {
            "pos": ("{s}刷够六次就免了，{a}划算", "首年不收{s}，第二年刷卡也能免", "{s}能用积分抵，{a}贴心",
                    "{s}不贵，{fee}块换这些权益值了", "{s}规则写得{a}清楚，没乱收"),
            "neg": ("{s}{a}贵，一年{fee}块", "没打招呼就扣了{fee}块{s}", "说好免{s}，结果还是收了",
                    "{s}一点都不值", "{s}{fee}块，权益却越来越少", "{s}收得莫名其妙，{a}生气",
                    "{s}年年涨，服了"),
            "neu": ("{s}是{fee}块", "{s}和别家差不多", "{s}的减免规则我看过了"),
            "ask": ("请问{s}怎么减免？", "{s}是每年几号扣？"),
            "sarcasm": ("{s}真是“良心价”，一年{fee}", "谢谢你们一声不吭扣我{s}"),
        },
        "en": {
            "pos": ("{s} is waived if I spend enough, {a} fair", "{s} is not bad at all for what you get",
                    "no {s} in the first year, nice", "{s} of {fee} RMB is worth it for the perks"),
            "neg": ("{s} of {fee} RMB is {a} high", "they charged me {s} without any notice",
                    "{s} was supposed to be waived but it wasn't", "paying {s} for fewer benefits is not acceptable",
                    "{s} is a rip-off", "{s} went up again"),
            "neu": ("{s} is about the same as other banks", "{s} is {fee} RMB"),
            "ask": ("how can I get {s} waived?", "when is {s} charged?"),
            "sarcasm": ("love paying {s} for perks I never use", "oh great, {s} went up again"),
        },
    },
    "interest": {
        "zh": {
            "pos": ("{s}{a}低", "{s}算得明明白白，没有隐藏费用", "{s}打了折，{a}实惠", "{s}比别家低不少"),
            "neg": ("{s}{a}高，年化快{rate}%", "{s}算得不明不白", "晚还一天{s}就出来了，{a}坑",
                    "{s}一点都不优惠", "{s}比宣传的高", "{s}高得离谱"),
            "neu": ("{s}大概{rate}%", "{s}怎么算的问过客服了", "{s}的规则还算清楚"),
            "ask": ("想了解一下{s}是多少？", "{s}怎么计算的？"),
            "sarcasm": ("{s}真是厉害，一年白干", "{s}{rate}%，真是“优惠”"),
        },
        "en": {
            "pos": ("{s} is {a} low", "{s} is clear, no hidden costs", "{s} is lower than other cards"),
            "neg": ("{s} is {a} high, almost {rate}% a year", "{s} makes no sense to me",
                    "one day late and {s} hit me hard", "{s} is higher than advertised", "{s} is outrageous"),
            "neu": ("{s} is around {rate}%", "asked the agent how {s} is calculated"),
            "ask": ("what is {s} on instalments?", "how is {s} calculated?"),
            "sarcasm": ("{s} of {rate}%, what a bargain", "wow, {s} really opened my eyes"),
        },
    },
    "fees": {
        "zh": {
            "pos": ("{s}免了，{a}好", "{s}降了，早该如此", "{s}收得{a}合理"),
            "neg": ("{s}{a}高，取一千扣十块", "{s}收得没道理", "{s}名目太多了", "晚一天就罚{s}，{a}狠"),
            "neu": ("{s}和别家差不多", "{s}是按笔收的"),
            "ask": ("{s}是多少？", "请问{s}能减免吗？"),
            "sarcasm": ("又多了一笔{s}，真是惊喜",),
        },
        "en": {
            "pos": ("{s} were waived, {a} nice", "{s} are {a} reasonable", "no {s} abroad, great for travel"),
            "neg": ("{s} are {a} high", "{s} make no sense", "hidden {s} everywhere", "{s} for one day late is unfair"),
            "neu": ("{s} are similar to other banks",),
            "ask": ("are there {s} for transfers?", "can {s} be waived?"),
            "sarcasm": ("just what I needed, more {s}",),
        },
    },
    "credit_limit": {
        "zh": {
            "pos": ("{s}给得{a}大方", "{s}刚申请就批了", "{s}涨到了{limit}，开心", "{s}调整{a}及时"),
            "neg": ("{s}{a}低，才{limit}", "用了三年{s}一直不动", "莫名其妙被降了{s}", "{s}申请又被拒了",
                    "{s}低得可怜"),
            "neu": ("{s}是{limit}", "{s}目前够用", "申请了{s}，在等审核"),
            "ask": ("怎么申请提高{s}？", "{s}到期后怎么处理？"),
            "sarcasm": ("{s}给{limit}，真是打发叫花子",),
        },
        "en": {
            "pos": ("{s} is {a} generous", "{s} went up to {limit} without asking", "{s} increase came through fast"),
            "neg": ("{s} is {a} low at {limit}", "they cut {s} with no warning", "{s} increase denied again",
                    "{s} hasn't moved in three years"),
            "neu": ("{s} is {limit}", "requested a change to {s}"),
            "ask": ("how do I raise {s}?",),
            "sarcasm": ("{s} of {limit}, how generous",),
        },
    },
    "rewards_points": {
        "zh": {
            "pos": ("{s}{a}划算，换了两张机票", "{s}到账{a}快", "{s}活动{a}多", "{s}能直接抵现，{a}方便",
                    "{s}真香"),
            "neg": ("{s}{a}难换，好东西都没货", "{s}到期清零也不提醒", "{s}越来越少了", "{s}规则改来改去",
                    "{s}攒半年才{points}分", "{s}缩水严重"),
            "neu": ("{s}有{points}分", "{s}规则还行", "{s}我基本用不上"),
            "ask": ("{s}有效期多久？", "{s}能转给家人吗？"),
            "sarcasm": ("{s}缩水了一半，谢谢你们",),
        },
        "en": {
            "pos": ("{s} are {a} generous", "{s} posted quickly", "{s} got me two flights", "love {s}"),
            "neg": ("{s} are {a} hard to earn", "{s} expired without any reminder", "{s} were devalued again",
                    "{s} keep getting worse"),
            "neu": ("I have {points} in {s}", "{s} are ok"),
            "ask": ("how long do {s} last?", "can I transfer {s}?"),
            "sarcasm": ("amazing, {s} are worth half of last year",),
        },
    },
    "service_attitude": {
        "zh": {
            "pos": ("{s}{a}耐心", "{s}态度超好，点赞", "{s}一次就帮我解决了", "{s}{a}专业",
                    "{s}很负责，主动回访", "{s}给力"),
            "neg": ("{s}态度{a}差", "{s}一问三不知", "{s}说话很冲", "{s}全程打太极", "{s}就会念稿子",
                    "{s}爱答不理", "转了好几个部门，{s}都说不归他们管"),
            "neu": ("{s}记录了我的问题", "{s}态度一般", "{s}说会转给相关部门"),
            "ask": ("{s}的电话是多少？",),
            "sarcasm": ("{s}真是“周到”，挂了我三次电话",),
        },
        "en": {
            "pos": ("{s} was {a} patient", "{s} was {a} helpful", "{s} solved it on the first call",
                    "{s} went above and beyond"),
            "neg": ("{s} was {a} rude", "{s} had no idea what they were doing", "{s} just read from a script",
                    "{s} passed me around four departments", "{s} hung up on me"),
            "neu": ("{s} logged my issue", "{s} was ok"),
            "ask": ("how do I reach {s}?",),
            "sarcasm": ("{s} was so helpful, said no one ever",),
        },
    },
    "waiting_time": {
        "zh": {
            "pos": ("{s}一分钟不到就接通了", "{s}很快，五分钟搞定", "{s}不用等"),
            "neg": ("{s}等了{min}分钟", "{s}打了{times}次都没通", "{s}一直占线", "{s}要等{min}分钟，{a}急人",
                    "{s}白白耗了我{min}分钟"),
            "neu": ("高峰期{s}要等一会儿", "{s}大概十分钟"),
            "ask": ("{s}一般要多久？",),
            "sarcasm": ("{s}等了{min}分钟，效率真高",),
        },
        "en": {
            "pos": ("{s} took under a minute", "{s} was quick today", "{s} was instant"),
            "neg": ("{s} took {min} minutes", "I called {times} times before {s} worked",
                    "{s} was over an hour", "{s} is always busy"),
            "neu": ("{s} takes a while at peak times",),
            "ask": ("how long is {s} usually?",),
            "sarcasm": ("{min} minutes for {s}, great",),
        },
    },
    "app_online": {
        "zh": {
            "pos": ("{s}{a}好用", "{s}更新后{a}流畅", "{s}上就能办分期，{a}方便", "{s}指纹登录很方便"),
            "neg": ("{s}老是闪退", "{s}{a}卡", "{s}登不上去", "{s}更新后打不开了", "{s}广告太多", "{s}转账转圈转了半天"),
            "neu": ("{s}和以前差不多", "{s}更新了新版本"),
            "ask": ("{s}在哪里改绑定手机号？",),
            "sarcasm": ("{s}真“稳定”，一天闪退三次",),
        },
        "en": {
            "pos": ("{s} is {a} easy to use", "{s} is {a} smooth since the update", "{s} lets me freeze my card, handy"),
            "neg": ("{s} keeps crashing", "{s} is {a} slow", "I can't log in to {s}", "{s} logged me out mid-transfer",
                    "{s} is full of ads"),
            "neu": ("{s} looks the same as before",),
            "ask": ("where in {s} can I change my address?",),
            "sarcasm": ("brilliant, {s} crashed again",),
        },
    },
    "fraud_security": {
        "zh": {
            "pos": ("{s}{a}及时，很安心", "被盗刷后{s}很快把钱退回来了", "{s}拦下了一笔可疑交易", "{s}做得{a}好"),
            "neg": ("卡被盗刷了{amount}块，{s}没反应", "{s}太敏感，正常消费也被冻结", "{s}处理了一个月还没结果",
                    "{s}让我验证了五遍，{a}烦"),
            "neu": ("{s}给我补发了新卡", "{s}给我发了一条交易短信"),
            "ask": ("卡丢了，{s}这边怎么挂失？",),
            "sarcasm": ("{s}真是“严格”，买个早饭都被拦",),
        },
        "en": {
            "pos": ("{s} caught a suspicious charge fast", "{s} refunded the stolen money quickly", "{s} is {a} reassuring"),
            "neg": ("someone stole {amount} RMB and {s} did nothing", "{s} froze my card for no reason",
                    "{s} took a month to sort out a fraudulent charge", "{s} are excessive"),
            "neu": ("{s} sent me a new card",),
            "ask": ("how do I report a lost card to {s}?",),
            "sarcasm": ("thanks {s}, blocked my coffee but not the fraud",),
        },
    },
    "billing": {
        "zh": {
            "pos": ("{s}清清楚楚", "{s}有误，三天就更正了", "{s}渠道多，很方便", "{s}按时到邮箱"),
            "neg": ("{s}扣了我两次", "{s}失败了也不通知", "{s}金额对不上", "{s}通知寄到了老地址", "{s}看不懂"),
            "neu": ("{s}日是每月{day}号", "{s}是{amount}元"),
            "ask": ("{s}日能改吗？", "{s}的最低还款怎么算？"),
            "sarcasm": ("{s}又多扣了{amount}，真贴心",),
        },
        "en": {
            "pos": ("{s} is clear and on time", "{s} error was fixed within a day", "{s} is easy to set up"),
            "neg": ("{s} charged me twice", "{s} failed and nobody told me", "{s} doesn't match what I paid",
                    "{s} went to my old address again"),
            "neu": ("{s} is due on the {day}th", "{s} was {amount} RMB"),
            "ask": ("can I change the date of {s}?",),
            "sarcasm": ("{s} doubled, love that for me",),
        },
    },
    "price": {
        "zh": {
            "pos": ("{s}{a}实惠", "{s}比网上还便宜", "{s}公道", "{s}打完折很划算"),
            "neg": ("{s}{a}贵", "刚买完{s}就降了", "{s}和结账时不一样", "{s}越来越离谱", "{s}{price}块，不值"),
            "neu": ("{s}还行", "{s}和别家差不多"),
            "ask": ("{s}下周会打折吗？",),
            "sarcasm": ("{s}{price}，真“亲民”",),
        },
        "en": {
            "pos": ("{s} is {a} fair", "{s} beats online", "{s} is a steal with the coupon"),
            "neg": ("{s} is {a} high", "{s} dropped the day after I bought", "{s} at the till was different",
                    "{s} of {price} is not worth it"),
            "neu": ("{s} is so-so",),
            "ask": ("will {s} go down in the sale?",),
            "sarcasm": ("{s} of {price} for this, how affordable",),
        },
    },
    "quality": {
        "zh": {
            "pos": ("{s}{a}好，洗了几次也没变形", "{s}精细", "{s}结实耐用", "{s}对得起价格"),
            "neg": ("{s}太差，穿两次就起球", "{s}一般，用了没几天就坏了", "{s}掉色", "{s}开线了", "{s}有瑕疵"),
            "neu": ("{s}中规中矩", "{s}和图片一样"),
            "ask": ("{s}是真皮的吗？",),
            "sarcasm": ("{s}真“耐用”，三天就坏",),
        },
        "en": {
            "pos": ("{s} is {a} good", "{s} feels sturdy", "{s} still looks new"),
            "neg": ("{s} fell apart in a week", "{s} is {a} poor", "{s} shrank in the first wash", "{s} arrived damaged"),
            "neu": ("{s} is average",),
            "ask": ("is {s} real leather?",),
            "sarcasm": ("{s}, built to last, said no one ever",),
        },
    },
    "delivery": {
        "zh": {
            "pos": ("{s}第二天就到了", "{s}{a}快", "{s}包装很严实", "{s}师傅很客气"),
            "neg": ("{s}{a}慢，一周还没到", "{s}直接扔门口", "{s}压坏了东西", "{s}信息{days}天没更新", "{s}送错了"),
            "neu": ("{s}正常", "{s}{days}天到的"),
            "ask": ("{s}什么时候到？",),
            "sarcasm": ("{s}次日达变成了四日达，真快",),
        },
        "en": {
            "pos": ("{s} arrived the next day", "{s} was {a} fast", "{s} was well packed"),
            "neg": ("{s} was {a} slow", "{s} left it outside in the rain", "{s} took {days} days",
                    "{s} was crushed"),
            "neu": ("{s} came on Tuesday",),  # was "{s} took {days} days", a neg predicate too
            "ask": ("when will {s} arrive?",),
            "sarcasm": ("next-day {s} in {days} days, impressive",),
        },
    },
    "returns": {
        "zh": {
            "pos": ("{s}{a}方便，上门取件", "{s}秒到账", "{s}处理得很及时"),
            "neg": ("{s}等了{days}天还没到", "{s}被拒了", "{s}还要自己出运费", "{s}踢皮球"),
            "neu": ("申请了{s}，在等审核", "{s}{days}天到账"),
            "ask": ("拆了吊牌还能{s}吗？",),
            "sarcasm": ("{s}比登天还难，真棒",),
        },
        "en": {
            "pos": ("{s} was {a} easy", "{s} arrived instantly", "{s} was handled quickly"),
            "neg": ("still waiting for {s} after {days} days", "{s} was refused", "{s} cost me the shipping"),
            "neu": ("requested {s}, waiting for approval",),
            "ask": ("can I get {s} without the tags?",),
            "sarcasm": ("{s} took {days} days, lightning fast",),
        },
    },
    "staff": {
        "zh": {
            "pos": ("{s}{a}热情", "{s}{a}专业", "{s}很有耐心"),
            "neg": ("{s}态度{a}差", "{s}一直推销，{a}烦", "{s}在玩手机不理人"),
            "neu": ("{s}态度一般", "问了{s}尺码"),
            "ask": ("{s}几点下班？",),
            "sarcasm": ("{s}真热情，全程没看我一眼",),
        },
        "en": {
            "pos": ("{s} were {a} friendly", "{s} gave {a} good advice", "{s} was patient"),
            "neg": ("{s} were {a} rude", "{s} was {a} pushy", "{s} ignored me"),
            "neu": ("{s} were okay",),
            "ask": ("is {s} available on weekends?",),
            "sarcasm": ("{s} was lovely, if you like being ignored",),
        },
    },
    "stock": {
        "zh": {
            "pos": ("{s}很全", "{s}上得{a}快", "{s}充足"),
            "neg": ("{s}老是缺", "跑了{times}次{s}都没有", "网上显示有{s}，店里却没有"),
            "neu": ("{s}要调货", "{s}和去年差不多"),
            "ask": ("{s}什么时候补？",),
            "sarcasm": ("{s}永远缺，真是“饥饿营销”",),
        },
        "en": {
            "pos": ("{s} is {a} good", "{s} come in quickly"),
            "neg": ("{s} is always out", "went {times} times and {s} was never there"),
            "neu": ("{s} needs to be ordered in",),
            "ask": ("when will {s} be back?",),
            "sarcasm": ("{s} sold out again, shocking",),
        },
    },
    "waiting_time_retail": {
        "zh": {
            "pos": ("{s}很快，不用等",), "neg": ("{s}等了{min}分钟", "{s}排到门口"),
            "neu": ("周末{s}要等一会儿",), "ask": ("{s}能不能多开几个？",), "sarcasm": ("{s}{min}分钟，效率真高",),
        },
        "en": {
            "pos": ("{s} was quick",), "neg": ("{s} took {min} minutes", "{s} went out the door"),
            # neu was "{s} was short on a weekday": a short queue is the pos "{s} was quick"
            "neu": ("{s} was the usual length",), "ask": ("can you open more tills for {s}?",),
            "sarcasm": ("{min} minutes in {s}, great",),
        },
    },
    "app_online_retail": {
        "zh": {
            "pos": ("{s}很流畅",), "neg": ("{s}老是付款失败", "{s}搜不到想要的"), "neu": ("{s}改版了",),
            "ask": ("{s}怎么用优惠券？",), "sarcasm": ("{s}真“智能”，什么都搜不到",),
        },
        "en": {
            "pos": ("{s} is smooth",), "neg": ("{s} keeps failing at payment", "{s} search is useless"),
            "neu": ("{s} has a new look",), "ask": ("how do I use a coupon on {s}?",),
            "sarcasm": ("{s} crashed at checkout, love it",),
        },
    },
}  # fmt: skip

#: Clauses about nothing in the taxonomy (context customers give).
FILLERS: dict[str, tuple[str, ...]] = {
    "zh": ("我用这张卡好几年了", "上周出差的时候", "周末去了一趟网点", "之前也反映过", "朋友推荐我办的卡",
           "今天早上", "说实话", "我是老客户了", "上个月", "顺便说一句"),
    "en": ("I've been a customer for years", "last week when I was travelling", "a friend recommended the card",
           "I mentioned this before", "to be honest", "this morning", "on a side note"),
}  # fmt: skip

OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "survey": {"zh": ("", "", "", "总体来说，", "作为老客户，"), "en": ("", "", "", "Overall, ")},
    "review": {"zh": ("", "", "【用户评价】", "来说说{brand}，"), "en": ("", "", "Review: ")},
    "social": {"zh": ("#{brand}# ", "@{brand} ", "吐槽一下{brand}：", ""), "en": ("@{brand} ", "Re {brand}: ", "")},
    "call": {"zh": ("客户来电反映：", "来电：", "客户致电称："), "en": ("Customer called: ", "Call note - ", "Caller reports: ")},
    "chat": {"zh": ("在线客服记录：您好，", "在线客服记录：", "您好，"), "en": ("Chat: ", "Hi, ", "Hello, ")},
    "email": {"zh": ("您好：", "尊敬的客服：", ""), "en": ("Dear team, ", "Hello, ", "")},
}  # fmt: skip

CLOSERS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"pos": ("", "", "会继续用。", "推荐！", "点赞👍", "满意。"),
           "neg": ("", "", "希望尽快改进。", "失望。", "很不满意。"),
           "neu": ("", "", "", "谢谢。", "就这样。")},
    "en": {"pos": ("", "", "Would recommend.", "Keep it up!", "Thanks!"),
           "neg": ("", "", "Please fix this.", "Disappointed.", "Not happy."),
           "neu": ("", "", "", "Thanks.", "FYI.")},
}  # fmt: skip

#: Agent boilerplate a transcript ends with (call and chat notes).
AGENT_BOILERPLATE: dict[str, tuple[str, ...]] = {
    "zh": ("请问还有什么可以帮您？", "感谢您的来电。"),
    "en": ("Is there anything else I can help you with?", "Thank you for calling."),
}

CANCEL: dict[str, tuple[str, ...]] = {
    "zh": ("再这样我就销卡了", "我要注销这张卡", "准备销户了"),
    "en": (
        "I'm going to cancel my card",
        "please close my account",
        "I'm switching to another bank",
    ),
}
CANCEL_RETAIL: dict[str, tuple[str, ...]] = {
    "zh": ("会员卡我要退了", "以后不会再来了"),
    "en": ("please cancel my membership", "never shopping here again"),
}

#: Effort the customer describes: kind -> language -> clauses (negative, about waiting or service).
EFFORT: dict[str, dict[str, tuple[str, ...]]] = {
    "repeat_contact": {"zh": ("这已经是第{times}次打电话了", "前后联系了{times}次"),
                       "en": ("this is my {times}th call about it", "I called {times} times")},
    "transferred": {"zh": ("电话被转了好几个部门", "几个部门推来推去"),
                    "en": ("I got transferred between departments", "they passed me around")},
}  # fmt: skip

#: Contact details customers paste into notes, with the kind of personal data they hold.
PII: dict[str, tuple[tuple[str, str], ...]] = {
    "zh": (("我的电话是{phone}", "phone"), ("卡号{card}", "card"), ("身份证号{id}", "id"),
           ("邮箱{email}", "email")),
    "en": (("my number is {phone}", "phone"), ("card {card}", "card"), ("email me at {email}", "email")),
}  # fmt: skip

#: Staff and branch references (entities) and where they go.
STAFF: dict[str, tuple[str, ...]] = {
    "zh": ("工号{staff}的客服", "{surname}经理", "{staff}号客服"),
    "en": ("agent #{staff}", "{name} at the call centre"),
}
BRANCHES: tuple[str, ...] = (
    "徐汇支行",
    "浦东分行",
    "南京路支行",
    "中关村支行",
    "天河支行",
    "西湖支行",
)
SURNAMES: tuple[str, ...] = ("王", "李", "张", "刘", "陈")
NAMES: tuple[str, ...] = ("Sarah", "Tom", "Lily", "James", "Grace")

#: Typing slips: (correct, slip) pairs applied to a few comments (homophones in Chinese).
TYPOS: dict[str, tuple[tuple[str, str], ...]] = {
    "zh": (("的", "得"), ("在", "再"), ("已经", "以经"), ("客服", "客户"), ("额度", "额渡"), ("积分", "积份")),
    "en": (("the", "teh"), ("receive", "recieve"), ("really", "realy"), ("interest", "intrest"),
           ("annual", "anual"), ("service", "servce")),
}  # fmt: skip

#: Neutral process statements about the staff or the wait, per phrase bank: "客服说会转给相关部门",
#: "the agent logged my issue", "高峰期要等一会儿". People write them as the start of a story whose
#: end is the judgement; in a comment whose other clauses all complain (or all praise) the
#: generator goes on with how it ended (:data:`FOLLOW_UP`) and the truth takes that judgement,
#: as every hand labeller reads "客服说会回电，等了三天没消息" (benchmarks/results/feedback.md, round 11).
PROCESS: dict[str, dict[str, tuple[str, ...]]] = {
    "service_attitude": {"zh": ("{s}记录了我的问题", "{s}说会转给相关部门"), "en": ("{s} logged my issue",)},
    "waiting_time": {"zh": ("高峰期{s}要等一会儿",), "en": ("{s} takes a while at peak times",)},
    "staff": {"zh": ("问了{s}尺码",), "en": ()},
    "waiting_time_retail": {"zh": ("周末{s}要等一会儿",), "en": ()},
}  # fmt: skip

#: How a process statement (:data:`PROCESS`) ended, per kind (staff: a follow-up; wait: how long
#: it took), judgement and language; appended to the statement's clause.
FOLLOW_UP: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "staff": {
        "neg": {"zh": ("，结果到现在都没人联系我", "，然后就没下文了", "，等了三天没消息", "，说好的回电一直没来",
                       "，问题到现在还是没解决"),
                "en": (", then nothing happened", " and never called back", ", and I heard nothing for a week",
                       ", still no answer")},
        "pos": {"zh": ("，第二天就回电解决了", "，当天就给我处理好了", "，很快就有了答复"),
                "en": (" and called back the next day", " and had it sorted the same day")},
    },
    "wait": {
        "neg": {"zh": ("，结果这次等了快一个小时", "，这回等到我都想挂了", "，每次都这样"),
                "en": (", and this time it was almost an hour", ", and it is the same every single time")},
        "pos": {"zh": ("，这次几分钟就轮到我了", "，今天一下就好了"),
                "en": (", and this time it was only a few minutes",)},
    },
}  # fmt: skip
