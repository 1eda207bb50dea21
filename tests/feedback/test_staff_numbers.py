"""Staff numbers among the named entities: a number is staff only where the comment says it
is a staff number; amounts, dates, hotlines, phone, card, order and case numbers never are."""

from __future__ import annotations

import pytest

from loyalloop.feedback.intent import entities

#: (comment, the staff it names): the ways comments say a number is a staff number.
STAFF_NUMBERS = [
    ("工号9527的客服很耐心", ("9527",)),
    ("工号是 1664，态度很差", ("1664",)),
    ("1664号客服都说不归他们管", ("1664",)),  # the demo's comments write it so
    ("客服1664号很耐心", ("1664",)),
    ("客服编号1664态度差", ("1664",)),
    ("员工编号：20331 服务好", ("20331",)),
    ("编号1664的柜员很耐心", ("1664",)),
    ("Agent #4471 was great", ("4471",)),
    ("The employee ID 4471 was rude", ("4471",)),
    ("Staff number 2210 sorted it out", ("2210",)),
]

#: Numbers that are not staff numbers, each next to a staff word.
NOT_STAFF_NUMBERS = [
    "客服1664说明天回电",  # a bare number after 客服: nothing says it is a staff number
    "客服 12345678 一直占线",  # a phone number
    "打了客服95588没人接",  # a hotline
    "客服400-820-8820一直占线",  # a hotline
    "订单123456号客服没处理",  # an order number
    "尾号6789号客服说是盗刷",  # a card's last digits
    "手机号13812345678号客服不接",  # a phone number
    "20231215号客服说会回电",  # a date
    "2023年12月15号客服打电话来",  # a date
    "客服 300 元的补偿还没到",  # an amount
    "客服说退1664元",  # an amount
    "工号123456789",  # too long for a staff number (a fragment of something else)
    "123456789号客服",
    "Order #12345 never arrived and the agent did nothing",
    "I called 3 times, the agent said 2 weeks",
]


@pytest.mark.parametrize(("text", "staff"), STAFF_NUMBERS)
def test_a_staff_number_the_comment_names_is_found(text: str, staff: tuple[str, ...]) -> None:
    assert entities(text).staff == staff


@pytest.mark.parametrize("text", NOT_STAFF_NUMBERS)
def test_other_numbers_are_never_staff(text: str) -> None:
    assert entities(text).staff == ()


def test_names_and_numbers_together_each_once() -> None:
    e = entities("徐汇支行的王经理很专业，工号９５２７的客服也不错，9527号客服又帮了我")
    assert e.staff == ("王经理", "9527")
