"""Accounting vouchers (记账凭证) for 金蝶 (Kingdee KIS/K3 凭证引入) and 用友 (Yonyou U8/T3 凭证
导入) as Excel workbooks: one voucher per invoice, debit the expense (net) and the input VAT
(tax), credit the payable (total), each line carrying the approval status, the reviewer and the
page image's link (附件链接)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from exports import rows
from exports.formats.accounts import account
from exports.formats.tabular import xlsx_bytes
from exports.rows import Links

KINGDEE_HEADER = [
    "日期", "会计期间", "凭证字", "凭证号", "分录号", "摘要", "科目代码", "币别", "汇率",
    "原币金额", "借方", "贷方", "制单", "审核", "审核状态", "附件数", "附件链接", "发票号码",
]  # fmt: skip
YONYOU_HEADER = [
    "凭证类别", "制单日期", "凭证号", "附单据数", "摘要", "科目编码", "币种", "汇率", "原币金额",
    "借方金额", "贷方金额", "制单人", "审核人", "审核状态", "附件链接", "票号",
]  # fmt: skip


def voucher_entries(invoice) -> list[tuple[str, str, Decimal | None, Decimal | None]]:
    """(summary, account, debit, credit): the voucher's lines, balanced."""
    total = invoice.total_amount
    net = invoice.net_amount if invoice.net_amount is not None else total
    tax = invoice.tax_amount or Decimal("0")
    if total is None and net is not None:
        total = net + tax
    summary = f"{invoice.seller} {invoice.invoice_number}".strip()[:80]
    entries = [(summary, account("voucher_expense_account"), net, None)]
    if tax:
        entries.append((summary, account("voucher_tax_account"), tax, None))
    entries.append((summary, account("voucher_payable_account"), None, total))
    return entries


def _vouchers(records: Iterable, links: Links):
    for number, invoice in enumerate(records, start=1):
        values = rows.invoice_values(invoice, links)
        day = invoice.date or invoice.created_at.date()
        for index, entry in enumerate(voucher_entries(invoice), start=1):
            yield number, index, invoice, values, day, entry


def kingdee_write(dataset: str, records: Iterable, links: Links) -> bytes:
    def body():
        for number, index, invoice, v, day, (summary, code, debit, credit) in _vouchers(
            records, links
        ):
            amount = debit if debit is not None else credit
            yield [
                day, day.month, account("voucher_word"), number, index, summary, code,
                invoice.currency or "CNY", 1, amount, debit or 0, credit or 0, "LedgerLens",
                v["reviewer"], v["approval_status"], invoice.pages, v["page_image_url"],
                invoice.invoice_number,
            ]  # fmt: skip

    return xlsx_bytes([("凭证", KINGDEE_HEADER, body())])


def yonyou_write(dataset: str, records: Iterable, links: Links) -> bytes:
    def body():
        for number, _index, invoice, v, day, (summary, code, debit, credit) in _vouchers(
            records, links
        ):
            amount = debit if debit is not None else credit
            yield [
                account("voucher_word"), day, number, invoice.pages, summary, code,
                invoice.currency or "CNY", 1, amount, debit or 0, credit or 0, "LedgerLens",
                v["reviewer"], v["approval_status"], v["page_image_url"], invoice.invoice_number,
            ]  # fmt: skip

    return xlsx_bytes([("凭证", YONYOU_HEADER, body())])
