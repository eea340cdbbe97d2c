"""The one balance equation: previous balance + debits - credits = new balance, to the cent."""

from decimal import Decimal

from billing.reconciliation import bill_reconciliation, printed_total_mismatches

D = Decimal


def test_a_bill_that_adds_up_is_balanced():
    rec = bill_reconciliation(
        previous_balance=D("2134.90"), debits=D("601.72"), credits=D("650.13"),
        new_balance=D("2086.49"),
    )  # fmt: skip
    assert (rec.expected_new_balance, rec.difference, rec.balanced) == (D("2086.49"), 0, True)


def test_one_cent_off_is_not_balanced_and_says_by_how_much():
    rec = bill_reconciliation(
        previous_balance=D("500.00"), debits=D("320.50"), credits=D("500.00"),
        new_balance=D("320.51"),
    )  # fmt: skip
    assert (rec.difference, rec.balanced) == (D("0.01"), False)
    assert rec.explained() == (
        "previous 500.00 + debits 320.50 - credits 500.00 = 320.50, but the statement prints "
        "320.51 (off by 0.01)"
    )


def test_a_credit_balance_is_negative():
    rec = bill_reconciliation(
        previous_balance=D("-10.00"), debits=D("5.00"), credits=D("20.00"),
        new_balance=D("-25.00"),
    )  # fmt: skip
    assert rec.balanced is True


def test_no_printed_balance_means_nothing_to_reconcile():
    no_previous = bill_reconciliation(
        previous_balance=None, debits=D("1.00"), credits=D("0"), new_balance=D("1.00")
    )
    assert (no_previous.expected_new_balance, no_previous.difference) == (None, None)
    assert no_previous.balanced is None
    no_new = bill_reconciliation(
        previous_balance=D("1.00"), debits=D("1.00"), credits=D("0"), new_balance=None
    )
    assert (no_new.expected_new_balance, no_new.balanced) == (D("2.00"), None)


def test_printed_totals_are_compared_only_where_printed():
    assert (
        printed_total_mismatches(
            debits=D("10.00"), credits=D("5.00"), printed_debits=D("10.00"), printed_credits=None
        )
        == []
    )
    assert printed_total_mismatches(
        debits=D("10.00"), credits=D("5.00"), printed_debits=D("11.00"), printed_credits=D("4")
    ) == [("debits", D("11.00"), D("10.00")), ("credits", D("4"), D("5.00"))]
