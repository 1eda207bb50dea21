"""Phrase banks for synthetic customer comments (Chinese and English).

Each aspect has several positive, negative and neutral clauses per language. Clauses may hold
``{a}`` (an intensifier fitting the sentiment: 很/非常/太/有点, very/really/pretty …) and ``{n}``
(a number from the aspect's range, e.g. minutes waited or yuan charged). Negated phrasings
(不太满意, 一点也不, "not bad at all", "never had an issue") are deliberate: they are what makes
sentiment analysis hard, and the truth says what each clause meant.

Aspect table: name -> (sentiment bias, frequency weight, (low, high, step) for ``{n}``).
"""

from __future__ import annotations

__all__ = ["ASPECTS", "CLOSERS", "INTENSIFIERS", "OPENERS", "PHRASES"]

Bank = dict[str, dict[str, tuple[str, ...]]]  # language -> sentiment -> clauses

ASPECTS: dict[str, dict[str, tuple[float, float, tuple[int, int, int]]]] = {
    "card": {
        "annual_fee": (-0.5, 1.2, (100, 3600, 100)),
        "interest": (-0.6, 0.9, (5, 18, 1)),
        "credit_limit": (-0.2, 1.0, (1, 8, 1)),
        "rewards": (0.3, 1.2, (2000, 80000, 1000)),
        "service": (0.1, 1.3, (2, 5, 1)),
        "waiting_time": (-0.5, 0.9, (10, 90, 5)),
        "app": (0.1, 1.3, (2, 6, 1)),
        "security": (0.0, 0.6, (200, 9000, 100)),
        "billing": (-0.2, 0.8, (20, 900, 10)),
    },
    "retail": {
        "price": (-0.2, 1.3, (30, 1200, 10)),
        "quality": (0.2, 1.2, (1, 5, 1)),
        "delivery": (0.0, 1.0, (3, 15, 1)),
        "returns": (-0.3, 0.8, (3, 20, 1)),
        "staff": (0.2, 1.0, (2, 5, 1)),
        "stock": (-0.2, 0.7, (2, 6, 1)),
    },
}

INTENSIFIERS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "pos": ("很", "非常", "特别", "挺", "相当", "真的很", "超级"),
        "neg": ("太", "非常", "特别", "实在", "真的太", "有点", "很"),
        "neu": ("还算", "比较", "", "基本"),
    },
    "en": {
        "pos": ("very", "really", "super", "quite", "extremely", "pretty"),
        "neg": ("very", "really", "way too", "pretty", "seriously", "rather"),
        "neu": ("fairly", "more or less", "kind of", "reasonably"),
    },
}

PHRASES: dict[str, Bank] = {
    # ---------------------------------------------------------------- card
    "annual_fee": {
        "zh": {
            "pos": (
                "年费刷够次数就免了，{a}划算",
                "年费不算贵",
                "首年免年费，之后也能用积分抵",
                "年费政策{a}透明，没有乱收费",
                "年费{n}元，但权益值回票价",
            ),
            "neg": (
                "年费{a}贵，{n}元一年",
                "没提前通知就扣了{n}元年费，不太满意",
                "说好免年费结果还是收了",
                "年费一点也不划算",
                "年费{n}元，权益却越来越少",
                "莫名其妙被扣年费，{a}生气",
            ),
            "neu": (
                "想问一下年费怎么减免",
                "年费{n}元，和别家差不多",
                "年费规则{a}复杂，得看清楚",
                "年费的事客服解释了",
            ),
        },
        "en": {
            "pos": (
                "the annual fee is waived if you swipe enough, {a} fair",
                "the annual fee is not bad at all for what you get",
                "no annual fee in the first year, which is nice",
                "the fee of RMB {n} is worth it for the perks",
            ),
            "neg": (
                "the annual fee of RMB {n} is {a} high",
                "they charged me the annual fee without any notice",
                "the annual fee was supposed to be waived but it wasn't",
                "paying RMB {n} a year for fewer benefits is not acceptable",
                "the annual fee is a rip-off",
            ),
            "neu": (
                "how can I get the annual fee waived?",
                "the annual fee is about the same as other banks",
                "the fee rules are {a} complicated",
                "asked about the RMB {n} annual fee",
            ),
        },
    },
    "interest": {
        "zh": {
            "pos": (
                "分期利率{a}低",
                "利息算得清楚，没有隐藏费用",
                "分期手续费打折了，{a}实惠",
                "免息期{a}长，资金周转方便",
            ),
            "neg": (
                "分期利率{a}高，年化快{n}%",
                "利息算得不明不白",
                "晚还一天就收了好多利息，{a}坑",
                "利率一点也不优惠",
                "分期手续费比宣传的高",
            ),
            "neu": (
                "想了解一下分期利率",
                "利率大概{n}%左右",
                "利息怎么算的问了客服",
                "最低还款的利息规则还算清楚",
            ),
        },
        "en": {
            "pos": (
                "the instalment rate is {a} low",
                "interest is calculated clearly, no hidden charges",
                "the interest-free period is {a} generous",
                "got a discount on the instalment fee",
            ),
            "neg": (
                "the interest rate is {a} high, almost {n}% a year",
                "I was charged interest for paying one day late",
                "the instalment fees are higher than advertised",
                "interest charges are not transparent at all",
            ),
            "neu": (
                "wanted to know the instalment rate",
                "the rate is around {n}% a year",
                "asked how the interest is calculated",
            ),
        },
    },
    "credit_limit": {
        "zh": {
            "pos": (
                "提额{a}快，现在额度{n}万",
                "额度给得{a}高",
                "临时额度申请秒批",
                "用了半年就主动提额了",
            ),
            "neg": (
                "额度{a}低，才{n}万",
                "申请提额好几次都被拒了",
                "用了{n}年额度一点也没涨",
                "突然降额，也不说原因，{a}不爽",
                "额度不够用，出国刷卡很尴尬",
            ),
            "neu": (
                "想问问怎么提额",
                "额度{n}万，够日常用",
                "额度调整需要等审核",
                "申请了临时额度",
            ),
        },
        "en": {
            "pos": (
                "got a credit limit increase {a} quickly",
                "the credit limit is {a} generous",
                "temporary limit increase approved in minutes",
            ),
            "neg": (
                "my credit limit is {a} low, only {n}0,000 yuan",
                "they cut my limit without any explanation",
                "asked for a higher limit several times and got rejected",
                "the limit is not enough when travelling",
            ),
            "neu": (
                "how do I raise my credit limit?",
                "the limit is fine for daily spending",
                "applied for a temporary limit increase",
            ),
        },
    },
    "rewards": {
        "zh": {
            "pos": (
                "积分{a}好用，能换里程",
                "攒了{n}积分换了个行李箱，{a}开心",
                "返现活动{a}给力",
                "积分兑换{a}方便",
                "周末餐饮五倍积分，{a}划算",
            ),
            "neg": (
                "积分{a}难换，好东西都缺货",
                "积分兑换比例越来越差",
                "攒了{n}积分，能换的东西一点也不值",
                "积分说过期就过期，不太满意",
                "活动规则{a}坑，返现一直没到账",
            ),
            "neu": (
                "积分规则改了",
                "想问积分什么时候到账",
                "现在有{n}积分，不知道换什么",
                "积分商城的东西还行",
            ),
        },
        "en": {
            "pos": (
                "the rewards points are {a} easy to redeem for miles",
                "redeemed {n} points for a suitcase, {a} happy",
                "the cashback promotions are {a} good",
                "five times points on dining is a great deal",
            ),
            "neg": (
                "the points are {a} hard to redeem",
                "the points conversion rate keeps getting worse",
                "my {n} points expired without warning",
                "the cashback never arrived",
                "the rewards catalogue is not worth it at all",
            ),
            "neu": (
                "the points rules changed again",
                "when will my points be credited?",
                "I have {n} points and don't know what to get",
            ),
        },
    },
    "service": {
        "zh": {
            "pos": (
                "客服态度{a}好，耐心解答",
                "服务态度{a}热情",
                "客服小姐姐{a}专业，一次就解决了",
                "投诉后当天就有人回访，{a}满意",
                "网点工作人员服务{a}周到",
            ),
            "neg": (
                "服务态度{a}差",
                "客服一问三不知，不太满意",
                "打了{n}次电话问题都没解决",
                "客服态度一点也不好，{a}敷衍",
                "投诉了也没人跟进",
            ),
            "neu": (
                "客服态度还可以",
                "打电话问了一下账单的事",
                "客服说会在{n}个工作日内回复",
                "服务中规中矩",
            ),
        },
        "en": {
            "pos": (
                "the customer service was {a} helpful",
                "the agent was {a} patient and solved it in one call",
                "staff at the branch were {a} friendly",
                "someone called back the same day after my complaint",
            ),
            "neg": (
                "customer service was {a} rude",
                "called {n} times and the problem is still not solved",
                "the agent had no idea what I was talking about",
                "nobody followed up on my complaint",
                "service is not good at all",
            ),
            "neu": (
                "service was okay",
                "called about my bill",
                "they said they will reply within {n} working days",
            ),
        },
    },
    "waiting_time": {
        "zh": {
            "pos": (
                "电话{a}快就接通了",
                "基本不用排队",
                "在线客服秒回",
                "等待时间{a}短",
            ),
            "neg": (
                "客服电话等了{n}分钟才接通",
                "排队{a}久，等了{n}分钟",
                "转人工{a}难，一直在等待",
                "网点排队排了{n}分钟，{a}浪费时间",
                "在线客服半天不回复",
            ),
            "neu": (
                "等了大概{n}分钟",
                "排队时间还可以接受",
                "高峰期要等一会儿",
            ),
        },
        "en": {
            "pos": (
                "got through to an agent {a} fast",
                "hardly any waiting time",
                "the chat replied within seconds",
            ),
            "neg": (
                "waited {n} minutes on the hotline",
                "the queue was {a} long, {n} minutes",
                "impossible to reach a human agent",
                "the online chat takes forever to reply",
            ),
            "neu": (
                "waited about {n} minutes",
                "the wait was acceptable",
                "there is a queue at peak times",
            ),
        },
    },
    "app": {
        "zh": {
            "pos": (
                "手机银行APP{a}好用",
                "APP界面{a}清爽，还款很方便",
                "在APP上分期{a}方便",
                "手机银行更新后流畅多了",
            ),
            "neg": (
                "APP{a}难用，老是闪退",
                "手机银行登录不上，{a}影响使用",
                "APP更新后反而更卡了",
                "APP广告{a}多，找个账单都找不到",
                "手机银行一点也不好用",
            ),
            "neu": (
                "APP功能还行",
                "用手机银行查了账单",
                "APP更新到了新版本",
                "希望APP能加个{n}期分期的选项",
            ),
        },
        "en": {
            "pos": (
                "the mobile app is {a} easy to use",
                "paying my bill in the app is {a} convenient",
                "the new app version is much smoother",
                "the app is not bad at all",
            ),
            "neg": (
                "the app keeps crashing",
                "the app is {a} slow after the update",
                "can't log in to mobile banking",
                "too many ads in the app",
                "the online banking site is {a} confusing",
            ),
            "neu": (
                "the app does the job",
                "checked my statement in the app",
                "the app was updated",
            ),
        },
    },
    "security": {
        "zh": {
            "pos": (
                "被盗刷{n}元，银行很快冻结并退回了",
                "异常交易提醒{a}及时",
                "安全验证做得{a}好，用着放心",
                "风控{a}靠谱",
            ),
            "neg": (
                "卡被盗刷了{n}元，处理{a}慢",
                "正常消费也被风控拦截，{a}麻烦",
                "收到诈骗短信冒充银行，不太放心",
                "盗刷的钱到现在还没退回",
            ),
            "neu": (
                "问了一下盗刷怎么处理",
                "开通了交易短信提醒",
                "换了一张新卡号",
            ),
        },
        "en": {
            "pos": (
                "they blocked a fraudulent charge of RMB {n} right away",
                "fraud alerts are {a} quick",
                "I feel safe using this card",
            ),
            "neg": (
                "my card was used fraudulently for RMB {n} and it took ages to fix",
                "normal payments keep getting blocked, {a} annoying",
                "still waiting for the refund of a fraudulent charge",
            ),
            "neu": (
                "asked how to report a suspicious charge",
                "turned on transaction alerts",
                "got a replacement card",
            ),
        },
    },
    "billing": {
        "zh": {
            "pos": (
                "账单{a}清楚，一目了然",
                "电子账单按时推送",
                "账单分期操作{a}简单",
            ),
            "neg": (
                "账单多扣了{n}元，{a}不满意",
                "账单看不懂，明细{a}乱",
                "还款了账单还显示未还，{a}着急",
                "账单日随便改，不太满意",
            ),
            "neu": (
                "账单日是每月{n}号",
                "问了一下账单明细",
                "账单金额{n}元",
            ),
        },
        "en": {
            "pos": (
                "the statement is {a} clear",
                "e-statements always arrive on time",
                "splitting a bill into instalments was {a} easy",
            ),
            "neg": (
                "I was overcharged RMB {n} on my statement",
                "the statement is {a} confusing",
                "my payment still shows as unpaid",
            ),
            "neu": (
                "asked about an item on my statement",
                "my statement was RMB {n} this month",
            ),
        },
    },
    # ---------------------------------------------------------------- retail
    "price": {
        "zh": {
            "pos": (
                "价格{a}实惠",
                "比网上还便宜{n}块",
                "会员价{a}划算",
                "价格不算贵，性价比{a}高",
                "活动力度{a}大",
            ),
            "neg": (
                "价格{a}贵",
                "同样的东西比别家贵{n}元",
                "说是打折，其实一点也不便宜",
                "涨价{a}厉害，不太能接受",
                "会员价和原价差不多，{a}鸡肋",
            ),
            "neu": (
                "价格和别家差不多",
                "花了{n}元",
                "价格还算合理",
                "等打折再买",
            ),
        },
        "en": {
            "pos": (
                "prices are {a} reasonable",
                "RMB {n} cheaper than online",
                "the member price is a {a} good deal",
                "not expensive at all for the quality",
            ),
            "neg": (
                "prices are {a} high",
                "RMB {n} more than other shops for the same item",
                "the so-called discount is not a discount at all",
                "prices keep going up",
            ),
            "neu": (
                "prices are similar to other stores",
                "spent RMB {n}",
                "waiting for the sale",
            ),
        },
    },
    "quality": {
        "zh": {
            "pos": (
                "质量{a}好，做工精细",
                "面料{a}舒服",
                "东西{a}耐用，用了{n}年还跟新的一样",
                "品质没得说",
            ),
            "neg": (
                "质量{a}差，穿了{n}次就起球",
                "做工粗糙，不太满意",
                "质量一点也不好，线头很多",
                "用了没几天就坏了，{a}失望",
                "和图片差别{a}大",
            ),
            "neu": (
                "质量中规中矩",
                "东西和描述的差不多",
                "质量还可以，对得起价格",
            ),
        },
        "en": {
            "pos": (
                "the quality is {a} good",
                "the fabric feels {a} nice",
                "still looks new after {n} years",
                "the quality is not bad at all",
            ),
            "neg": (
                "the quality is {a} poor",
                "it broke after {n} days",
                "looks nothing like the pictures",
                "the stitching came apart after {n} washes",
            ),
            "neu": (
                "quality is as described",
                "average quality for the price",
            ),
        },
    },
    "delivery": {
        "zh": {
            "pos": (
                "物流{a}快，第二天就到了",
                "快递小哥{a}负责",
                "包装{a}仔细",
                "配送准时",
            ),
            "neg": (
                "快递{a}慢，等了{n}天",
                "物流信息{n}天没更新",
                "包装破损，东西都压坏了",
                "配送一点也不准时，{a}耽误事",
                "送错地址了，不太满意",
            ),
            "neu": (
                "大概{n}天到货",
                "物流速度一般",
                "选了门店自提",
            ),
        },
        "en": {
            "pos": (
                "delivery was {a} fast, arrived the next day",
                "the courier was {a} careful",
                "well packed and on time",
            ),
            "neg": (
                "delivery took {n} days",
                "the parcel arrived damaged",
                "tracking hasn't updated in {n} days",
                "delivered to the wrong address",
            ),
            "neu": (
                "arrived in about {n} days",
                "picked it up in store",
            ),
        },
    },
    "returns": {
        "zh": {
            "pos": (
                "退换货{a}方便",
                "七天无理由退货，退款{a}快",
                "退货流程简单，{n}天就到账了",
            ),
            "neg": (
                "退货{a}麻烦，要跑好几趟",
                "退款等了{n}天还没到账",
                "不给退换，{a}不合理",
                "退货要自己出运费，不太满意",
            ),
            "neu": (
                "问了一下退货政策",
                "申请了换货",
                "退款{n}天到账",
            ),
        },
        "en": {
            "pos": (
                "returns are {a} easy",
                "refund arrived within {n} days",
                "hassle-free exchange",
            ),
            "neg": (
                "the return process is {a} painful",
                "still waiting for my refund after {n} days",
                "they refused to exchange a faulty item",
            ),
            "neu": (
                "asked about the return policy",
                "requested an exchange",
            ),
        },
    },
    "staff": {
        "zh": {
            "pos": (
                "店员{a}热情",
                "导购{a}专业，推荐的都合适",
                "收银员{a}有礼貌",
            ),
            "neg": (
                "店员态度{a}差，爱答不理",
                "导购一直推销，{a}烦",
                "收银员态度一点也不好",
                "找了{n}个店员都说不知道",
            ),
            "neu": (
                "店员态度还行",
                "问了店员尺码",
                "店里人手有点少",
            ),
        },
        "en": {
            "pos": (
                "the staff were {a} friendly",
                "the sales assistant gave {a} good advice",
                "the cashier was {a} polite",
            ),
            "neg": (
                "the staff were {a} rude",
                "the sales assistant was {a} pushy",
                "asked {n} staff members and nobody knew",
            ),
            "neu": (
                "staff were okay",
                "asked the staff about sizes",
            ),
        },
    },
    "stock": {
        "zh": {
            "pos": (
                "货{a}全，想要的都有",
                "新品上得{a}快",
                "尺码齐全",
            ),
            "neg": (
                "经常缺货，{a}失望",
                "想要的尺码跑了{n}次都没货",
                "网上显示有货，店里却没有",
                "款式{a}少",
            ),
            "neu": (
                "有些尺码要调货",
                "等了{n}天补货",
                "款式和去年差不多",
            ),
        },
        "en": {
            "pos": (
                "{a} good selection",
                "new arrivals come in {a} quickly",
                "all sizes in stock",
            ),
            "neg": (
                "always out of stock",
                "went {n} times and my size was never there",
                "the website says in stock but the store has none",
            ),
            "neu": (
                "some sizes need to be ordered",
                "waited {n} days for a restock",
            ),
        },
    },
}

#: Openers per channel and language. ``{brand}`` is the brand the comment is about.
OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "survey": {
        "zh": ("", "", "", "总体来说，", "说实话，", "作为老客户，", "用了几年了，"),
        "en": ("", "", "", "Overall, ", "Honestly, ", "As a long-time customer, "),
    },
    "review": {
        "zh": ("", "", "【用户评价】", "用了一段时间，", "来说说{brand}，"),
        "en": ("", "", "Review: ", "Been using {brand} for a while. "),
    },
    "social": {
        "zh": ("#{brand}# ", "吐槽一下{brand}：", "@{brand} ", "分享一下，", "{brand}，"),
        "en": ("@{brand} ", "Re {brand}: ", "", "PSA about {brand}: "),
    },
    "call": {
        "zh": ("客户来电反映：", "来电：", "客户致电称", "客户咨询："),
        "en": ("Customer called: ", "Call note - ", "Caller reports "),
    },
    "chat": {
        "zh": ("在线客服记录：", "您好，", "你好，"),
        "en": ("Chat: ", "Hi, ", "Hello, "),
    },
    "email": {
        "zh": ("您好：", "尊敬的客服：", ""),
        "en": ("Dear team, ", "Hello, ", ""),
    },
}

CLOSERS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "pos": ("", "", "会继续用。", "推荐！", "点赞👍", "满意。", "好评。"),
        "neg": ("", "", "考虑换一家了。", "希望尽快改进。", "失望。", "再这样就不用了。"),
        "neu": ("", "", "", "希望越来越好。", "就这样。", "谢谢。"),
    },
    "en": {
        "pos": ("", "", "Would recommend.", "Keep it up!", "Happy customer.", "Thanks!"),
        "neg": ("", "", "Thinking of leaving.", "Please fix this.", "Disappointed.", "Not happy."),
        "neu": ("", "", "", "Thanks.", "Just my two cents.", "FYI."),
    },
}
