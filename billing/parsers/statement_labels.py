"""The words statements use, in English, French, German, Spanish, Italian, Portuguese, Dutch,
Malay and Chinese: column headings, summary labels and the cues that tell a card statement
from a current account.

Patterns are matched on text with accents stripped and lower-cased (`plain`), so "Débit",
"DEBIT" and "debit" are one word. Adding a language is adding its words here.
"""

from __future__ import annotations

import re

from .table_vocabulary import plain

__all__ = ["plain"]  # the statement readers' one normalisation (lowercase, no accents)


def _words(*alternatives: str) -> re.Pattern[str]:
    """One pattern for the alternatives. A single Latin word matches on word boundaries; a
    phrase matches anywhere and with or without its spaces, since some layouts drop them
    ("YourPreviousStatementBalance"); CJK terms match anywhere (CJK has no spaces)."""
    words = [a for a in alternatives if a.isascii() and " " not in a]
    phrases = [a.replace(" ", r"\s?") for a in alternatives if a.isascii() and " " in a]
    cjk = [a for a in alternatives if not a.isascii()]
    parts = []
    if phrases:
        parts.append("(?:" + "|".join(phrases) + ")")
    if words:
        parts.append(r"(?<![a-z])(?:" + "|".join(words) + r")(?![a-z])")
    if cjk:
        parts.append("|".join(cjk))
    return re.compile("|".join(parts))


# Column headings of a transaction table, by the role of the column.
COLUMN_ROLES: dict[str, re.Pattern[str]] = {
    "date": _words(
        r"date",
        r"dates?",
        r"datum",
        r"fecha",
        r"data",
        r"tarikh",
        r"trans(?:action)? date",
        r"post(?:ing)? date",
        r"buchungstag",
        r"valuta",
        r"wertstellung",
        r"value date",
        "日期",
        "交易日",
        "记账日",
        "入账日",
    ),
    "debit": _words(
        r"debits?",
        r"withdrawals?",
        r"paid out",
        r"money out",
        r"charges?",
        r"purchases?",
        r"soll",
        r"belastung(?:en)?",
        r"lastschrift",
        r"ausgang",
        r"cargos?",
        r"retiros?",
        r"adeudos?",
        r"addebiti",
        r"uscite",
        r"dare",
        r"debito",
        r"saidas?",
        r"debet",
        r"af",
        r"bayaran keluar",
        r"keluar",
        "借方",
        "支出",
        "取出",
        "转出",
    ),
    "credit": _words(
        r"credits?",
        r"deposits?",
        r"paid in",
        r"money in",
        r"payments?",
        r"refunds?",
        r"haben",
        r"gutschrift(?:en)?",
        r"eingang",
        r"abonos?",
        r"ingresos?",
        r"accrediti",
        r"entrate",
        r"avere",
        r"credito",
        r"entradas?",
        r"bij",
        r"masuk",
        "贷方",
        "存入",
        "收入",
        "转入",
    ),
    "amount": _words(
        r"amount",
        r"amt",
        r"montant",
        r"betrag",
        r"umsatz",
        r"importe",
        r"importo",
        r"valor",
        r"bedrag",
        r"belopp",
        r"kwota",
        r"castka",
        r"jumlah",
        r"sum",
        "金额",
        "交易金额",
        "人民币金额",
    ),
    "balance": _words(
        r"balance",
        r"solde",
        r"saldo",
        r"kontostand",
        r"baki",
        r"running balance",
        "余额",
        "结余",
    ),
    "description": _words(
        r"description",
        r"descriptions?",
        r"operations?",
        r"libelle",
        r"details?",
        r"particulars",
        r"narrative",
        r"narration",
        r"transactions?",
        r"verwendungszweck",
        r"buchungstext",
        r"vorgang",
        r"concepto",
        r"descripcion",
        r"movimiento",
        r"descrizione",
        r"causale",
        r"descricao",
        r"historico",
        r"omschrijving",
        r"keterangan",
        r"butiran",
        r"merchant",
        r"payee",
        r"reference",
        "摘要",
        "交易说明",
        "交易摘要",
        "商户",
        "交易描述",
    ),
}

# Summary labels: the value is the amount (or date) printed after the label or under it.
PREVIOUS_BALANCE = _words(
    r"previous (?:statement )?balance",
    r"previous statement",
    r"prev\.? bal(?:ance)?",
    r"last (?:statement|month'?s?) balance",
    r"opening balance",
    r"start balance",
    r"balance (?:brought forward|b/?f)",
    r"brought forward",
    r"balance from (?:last|previous) statement",
    r"beginning balance",
    r"starting balance",
    r"ancien solde",
    r"solde (?:precedent|initial|d'ouverture)",
    r"solde au debut",
    r"alter (?:kontostand|saldo)",
    r"anfangssaldo",
    r"saldo vortrag",
    r"vortrag",
    r"saldo (?:anterior|inicial|precedente|iniziale)",
    r"saldo vorige",
    r"vorig saldo",
    r"beginsaldo",
    r"saldo (?:poczatkowe|otwarcia|poprzednie)",
    r"ingaende saldo",
    r"pocatecni zustatek",
    r"baki (?:mula|terdahulu|sebelum)",
    "上期账单金额",
    "上期余额",
    "期初余额",
    "上期结余",
)
NEW_BALANCE = _words(
    r"new balance",
    r"closing balance",
    r"current balance",
    r"statement balance",
    r"stmt\.? bal(?:ance)?",
    r"closing bal\.?",
    r"total (?:amount )?due",
    r"balance due",
    r"ending balance",
    r"end balance",
    r"balance carried forward",
    r"nouveau solde",
    r"solde (?:final|de cloture|actuel|nouveau)",
    r"neuer (?:kontostand|saldo)",
    r"endsaldo",
    r"schlusssaldo",
    r"saldo (?:actual|final|nuevo|finale|attuale)",
    r"nuevo saldo",
    r"nieuw saldo",
    r"eindsaldo",
    r"saldo (?:koncowe|zamkniecia)",
    r"utgaende saldo",
    r"konecny zustatek",
    r"baki (?:baru|terkini|akhir)",
    "本期应还金额",
    "本期账单金额",
    "本期余额",
    "期末余额",
    "新余额",
    "本期结余",
)
# A balance line inside the table ("SOLDE CREDITEUR AU 30/04/2014", "Balance forward"):
# the first of a section is its opening balance, the last its closing one.
BALANCE_LINE = _words(
    r"solde",
    r"balance",
    r"saldo",
    r"kontostand",
    r"baki",
    r"brought forward",
    r"carried forward",
    r"report",
    r"ubertrag",
    r"vortrag",
    "余额",
    "结余",
)
# A balance printed as "in credit" / "overdrawn" in words (current accounts).
BALANCE_IN_CREDIT = _words(r"crediteur", r"creditor", r"haben", r"acreedor", r"cr")
BALANCE_OVERDRAWN = _words(r"debiteur", r"debitor", r"soll", r"deudor", r"dr", r"overdrawn")
# Lines that sum rows up: never transactions themselves.
SUBTOTAL_LINE = _words(
    r"total",
    r"totals",
    r"sub-?total",
    r"sub total",
    r"totaux",
    r"summe",
    r"gesamt",
    r"jumlah",
    r"totale",
    r"somme",
    "合计",
    "小计",
    "总计",
)

STATEMENT_DATE = _words(
    r"statement(?: ?/ ?\w+)? date",
    r"date of statement",
    r"statement closing date",
    r"closing date",
    r"billing date",
    r"date du releve",
    r"releve du",
    r"arrete au",
    r"date d'arrete",
    r"kontoauszug vom",
    r"auszugsdatum",
    r"abrechnungsdatum",
    r"rechnungsdatum",
    r"fecha (?:de corte|del extracto|de emision|de facturacion)",
    r"data (?:estratto|emissione)",
    r"data do extrato",
    r"tarikh penyata",
    r"penyata bertarikh",
    "账单日",
    "对账单日期",
    "账单日期",
)
DUE_DATE = _words(
    r"(?:payment )?due date",
    r"pay(?:ment)? by",
    r"due by",
    r"date d'echeance",
    r"a payer avant le",
    r"date limite de paiement",
    r"echeance",
    r"fallig am",
    r"falligkeitsdatum",
    r"zahlbar bis",
    r"fecha (?:limite de pago|de vencimiento|de pago)",
    r"pagar antes de",
    r"scadenza",
    r"data di scadenza",
    r"data de vencimento",
    r"vencimento",
    r"tarikh (?:akhir bayaran|bayaran|matang)",
    r"bayar sebelum",
    "到期还款日",
    "最后还款日",
    "还款日",
)
MINIMUM_PAYMENT = _words(
    r"minimum (?:payment|amount)(?: due)?",
    r"min(?:imum)?\.? due",
    r"paiement minimum",
    r"montant minimum",
    r"mindest(?:betrag|zahlung)",
    r"pago minimo",
    r"pagamento minimo",
    r"bayaran minimum",
    "最低还款额",
    "最低还款",
)
CREDIT_LIMIT = _words(
    r"credit limit",
    r"limite de credit",
    r"kreditlimit",
    r"kreditrahmen",
    r"limite de credito",
    r"had kredit",
    "信用额度",
)
PERIOD = _words(
    r"statement period",
    r"opening/closing date",
    r"billing period",
    r"billing cycle",
    r"period",
    r"periode",
    r"periode du",
    r"okres",
    r"od",
    r"obdobi",
    r"perioden",
    r"zeitraum",
    r"abrechnungszeitraum",
    r"periodo",
    r"tempoh",
    r"du",
    r"from",
    r"vom",
    r"del",
    r"statement",
    r"releve",
    r"extrait",
    r"auszug",
    r"extracto",
    r"estratto",
    r"extrato",
    "账单周期",
)
PERIOD_SEPARATOR = re.compile(
    r"^\s*(?:-|\u2013|to|au|bis|al|a|hingga|sampai|til|tot|t/m|t\.m\.|tot en met|do|至|~)\s*$"
)

# Cues of a card statement versus a bank (current/savings) account statement, beyond the
# words every reader shares (table_vocabulary's CARD_WORDS and CURRENT_WORDS): what a
# statement's summary prints.
CARD_CUES = _words(
    r"minimum payment",
    r"payment due",
    r"credit limit",
    r"available credit",
    r"card ?holder",
    r"cashback",
    r"payment - thank you",
    r"thank you for your payment",
    r"annual fee",
    r"carte de credit",
    r"tarjeta de credito",
)
ACCOUNT_CUES = _words(
    r"rib",
    r"releve de compte",
    r"eurocompte",
    r"solde crediteur",
    r"solde debiteur",
    r"overdraft",
    "活期",
)
