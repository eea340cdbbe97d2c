"""The words bank exports use, in the languages LedgerLens reads: column headers, preamble
labels, debit/credit flags, currencies, and the description words that say which way money
moved. Data only; `table_generic` decides with it. Patterns run on a header cell lowercased
with its accents stripped (`plain`), so "Libellé" and "libelle" are one word."""

from __future__ import annotations

import re
import unicodedata


def plain(text: str) -> str:
    """Lowercase, accents stripped (é -> e, ä -> a; CJK unchanged), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().replace("\ufeff", "").split())


def _any(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{w})" for w in words))


# Column roles, in the order they claim header cells: the more specific first, so "Betrag
# (Fremdwährung)" is the original amount before "Betrag" is the amount, "Valutadatum" the value
# date before "datum" is the date, "Credit card number" a card before "credit" is a credit.
HEADER_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("card", _any(
        r"card ?(?:no|num|#)", r"^card$", r"kartennummer", r"^karte$", r"numero de (?:la )?carte",
        r"^carte$", r"n(?:o|umero) de tarjeta", r"^tarjeta$", r"kaartnummer", r"^kaart$",
        r"kredietkaart", r"numero (?:di )?carta", r"^carta$", r"(?:numero do )?cartao", r"^kad$",
        r"no\.? kad", r"卡号", r"信用卡号", r"masked card", r"bank card", r"card member",
    )),
    ("fx_amount", _any(
        r"orig\w*\.? (?:amount|betrag|bedrag|montant|importe|importo|valor)",
        r"(?:amount|montant|importe|importo|valor|betrag|bedrag) (?:in |en |em |na |)"
        r"(?:the )?(?:foreign|original|orig|local|devise|divisa|valuta originale|moeda)",
        r"^amount currency$", r"local[ _]amount", r"foreign (?:currency )?amount",
        r"betrag \(?fremdwahrung", r"fremdwahrungsbetrag", r"originalbetrag",
        r"oorspr\w* bedrag", r"montant d'origine", r"montant initial", r"importe original",
        r"importo originale", r"valor original", r"原币金额", r"外币金额",
        r"puvodni castka", r"ursprunglich\w* betrag", r"betrag urspr", r"fremdbetrag",
    )),
    ("fx_currency", _any(
        r"orig\w*\.? (?:currency|wahrung|munt|devise|moneda|divisa|valuta|moeda)",
        r"local[ _]currency", r"foreign currency", r"type foreign currency", r"^fremdwahrung$",
        r"(?:devise|moneda|divisa|valuta|moeda) (?:d'|de |)origin", r"transaction currency",
        r"原币", r"交易币种", r"交易货币",
    )),
    ("fx_rate", _any(
        r"exchange rate", r"fx rate", r"wechselkurs", r"^kurs$", r"^koers$", r"taux de change",
        r"tipo de cambio", r"^cambio$", r"tasso di cambio", r"taxa de cambio", r"汇率", r"^rate$",
    )),
    ("flag", _any(
        r"^(?:cr/dr|dr/cr|d/c|c/d|dc|cd|flag|sign|s/h|soll/haben|af bij|af/bij|bij/af|d/h|"
        r"debit/credit|credit/debit|debit or credit|credit or debit|debe/haber|dare/avere|"
        r"cargo/abono|debito/credito|debet/credit|借贷|借贷标志|收/支|收支|收支类型|"
        r"debit credit|credit debit|dr cr|cr dr)$",
    )),
    ("balance", _any(
        r"balance", r"saldo", r"solde", r"^baki", r"余额", r"kontostand", r"^stand$", r"bakiye",
        r"^disponible", r"running bal", r"结余",
    )),
    ("value_date", _any(
        r"value ?date", r"^valuta", r"valutadatum", r"wertstellung", r"^wert$", r"date de valeur",
        r"date valeur", r"fecha (?:de )?valor", r"data (?:di )?valuta", r"rentedatum",
        r"data valor", r"起息日", r"^valeur$",
    )),
    ("transaction_date", _any(
        r"trans\w*\.? ?date", r"txn ?date", r"date of (?:transaction|purchase)", r"trade date",
        r"purchase date", r"date (?:de l'|d'|de |)operation", r"fecha (?:de (?:la )?)?operacion",
        r"data (?:dell'|di |)operazione", r"data (?:da |de )?(?:transacao|operacao)",
        r"transactiedatum", r"datum (?:transactie|verrichting)", r"tarikh transaksi", r"交易日",
        r"umsatztag", r"belegdatum", r"kaufdatum", r"datum provedeni", r"date operation",
    )),
    ("date", _any(
        r"post\w* ?date", r"date posted", r"booking ?date", r"buchungstag", r"buchungsdatum",
        r"date comptable", r"date de comptabilisation", r"fecha contable", r"data contabile",
        r"data (?:de )?lancamento", r"boek(?:ings)?datum", r"记账日", r"入账日", r"tarikh pos",
        r"^date$", r"^datum$", r"^tarikh$", r"^fecha$", r"^data$", r"日期", r"datum zauctovani",
        r"\bdate\b", r"datum", r"tarikh", r"fecha", r"^data ", r"^created$", r"^time$",
        r"^buchung$", r"^date", r"^completed", r"^started",
    )),
    ("debit", _any(
        r"withdraw", r"^debit(?!/)", r"debit amount", r"\bdebit\b(?!/| ?card)", r"outflow",
        r"money out", r"paid out", r"^out$", r"^charges?\b", r"^purchases?$", r"^spent$",
        r"ausgang", r"ausgabe", r"belastung", r"^soll\b", r"abgang", r"depense", r"retrait",
        r"^sorties?\b", r"^cargos?\b", r"^debito", r"addebit", r"uscite", r"^af$", r"afschrijving",
        r"uitgaven", r"^debet$", r"levantamento", r"saida", r"pengeluaran", r"支出", r"借方",
        r"付出", r"取出", r"^debit", r"funds? out", r"amount out", r"^dare$", r"^debe$", r"^keluar", r"^wang keluar",
    )),
    ("credit", _any(
        r"deposit", r"^credit(?!/| ?card)", r"credit amount", r"\bcredit\b(?!/| ?card)",
        r"inflow", r"money in", r"paid in", r"^in$", r"^payments?(?:/credits?)?$",
        r"^credits?$", r"eingang", r"einnahme", r"gutschrift", r"^haben\b", r"zugang",
        r"recette", r"versement", r"encaissement", r"^abonos?\b", r"^haber", r"^credito",
        r"accredit", r"entrate", r"^bij$", r"bijschrijving", r"ontvangsten", r"inkomsten",
        r"entrada", r"deposito", r"kemasukan", r"收入", r"贷方", r"存入", r"^avere$",
        r"^kredit", r"^masuk", r"^wang masuk", r"^simpanan", r"funds? in\b", r"amount in\b",
        r"^depots?\b", r"^received$",
    )),
    ("amount", _any(
        r"amount", r"\bamt\b", r"betrag", r"umsatz", r"montant", r"importe", r"importo",
        r"bedrag", r"^valor", r"jumlah", r"金额", r"quantia", r"^value$", r"^summe$", r"monto",
        r"cantidad", r"castka", r"kwota", r"belopp", r"belob", r"^sum$", r"^cad\$$|^usd\$$",
        r"^amaun",
    )),
    ("currency", _any(
        r"^currency$", r"^curr\.?$", r"^ccy$", r"wahrung", r"^whg\.?$", r"^devise$",
        r"^moneda$", r"^divisa$", r"^valuta$", r"^munt$", r"^moeda$", r"mata wang", r"币种",
        r"^valuta rekening", r"^munt rekening", r"^devise du compte",
        r"货币", r"^mena", r"account currency", r"^currency code$",
    )),
    ("description", _any(
        r"description", r"^desc", r"narrat", r"particular", r"details?$", r"^memo", r"^text$",
        r"verwendungszweck", r"buchungstext", r"beschreibung", r"libelle", r"detail",
        r"concepto", r"descripcion", r"observacion", r"omschrijving", r"mededeling",
        r"descrizione", r"causale", r"descricao", r"historico", r"keterangan", r"butiran",
        r"摘要", r"说明", r"备注", r"交易描述", r"^label$", r"^libelle", r"zahlungszweck",
        r"^purpose", r"^subject$", r"zprava", r"^transaction$", r"^information",
    )),
    ("payee", _any(
        r"payee", r"merchant", r"^name$", r"^naam", r"empfanger", r"beguenstigter",
        r"zahlungspflichtige", r"zahlungsempfanger", r"auftraggeber",
        r"begunstigter", r"auftraggeber", r"zahlungspflichtiger", r"beneficiaire", r"^tiers$",
        r"counter ?party", r"partner", r"beneficiario", r"ordenante", r"tegenpartij",
        r"对方户名", r"对方", r"商户", r"handelaar", r"^nazev protiuctu", r"^who$",
    )),
    ("account", _any(
        r"^account(?: number| no\.?)?$", r"^konto(?:nummer)?$", r"auftragskonto", r"^iban",
        r"^compte$", r"numero de compte", r"^cuenta$", r"^rekening(?:nummer)?$", r"^conto$",
        r"^conta$", r"^akaun$", r"账号", r"账户", r"bank account", r"^ucet|cislo uctu",
    )),
    # A booking's state ("COMPLETED", "PENDING", "REVERTED"): a row not booked is no row.
    ("state", _any(r"^state$", r"^status$", r"^estado$", r"^statut$", r"^stato$", r"^zustand$")),
    # A fee charged beside the amount (Revolut, Wise): a debit of its own.
    ("fee", _any(r"^fees?$", r"^gebuhr(?:en)?$", r"^frais$", r"^comision$", r"^commissione?$")),
    ("ignored", _any(
        r"categor", r"kategori", r"类别", r"^type$", r"transaction type", r"^id$", r"reference",
        r"referenz", r"reference", r"referencia", r"check", r"cheque", r"^bic",
        r"^blz$", r"^info$", r"^code$", r"volgnr", r"^notes?$", r"^tags?$", r"^emoji$",
        r"^address$", r"^receipt$",
    )),
)  # fmt: skip
MONEY_ROLES = ("amount", "debit", "credit")
# States of a row that was not booked (left out of the statement).
NOT_BOOKED = re.compile(
    r"pending|reverted|declined|failed|cancell?ed|rejected|refused|in progress|en attente|"
    r"annule|refuse|ausstehend|abgelehnt|storniert|vorgemerkt|pendiente|rechazad|cancelad|"
    r"in sospeso|annullat|in behandeling|geweigerd"
)
# Columns beside the description whose words tell a row's direction (a booking type, a
# category), and columns that describe the account itself.
EVIDENCE_HEADER = re.compile(r"type|categor|kategori|类别|类型|tipo|soort|art$|typ$")
ACCOUNT_HEADER = re.compile(
    r"account type|type de compte|kontoart|tipo de cuenta|rekeningtype|product|produkt"
)
# A header cell in English (which alone leaves the date order open: US exports are month-first).
ENGLISH_HEADER = re.compile(
    r"\b(?:date|description|desc|amount|amt|balance|debit|credit|withdrawals?|deposits?|"
    r"details?|memo|payee|transaction|posted|posting|paid|money|out|in|narrative|particulars|"
    r"reference|card|number|no|currency|value|original|foreign|local|type|category|name|"
    r"merchant|charges?|payments?|purchases?|outflow|inflow|running|created|account|text|"
    r"label|partner|counter ?party|exchange|rate|fx|ccy|curr|id)\b"
)
DATE_ROLES = ("date", "transaction_date", "value_date")

# Debit/credit flags as exports print them (upper-cased, accents stripped).
FLAG_DIRECTIONS = {
    **dict.fromkeys(
        ("CR", "C", "I", "IN", "CREDIT", "H", "HABEN", "BIJ", "B", "+", "ABONO", "HABER",
         "CREDITO", "AVERE", "DEPOSIT", "收", "收入", "贷", "贷方", "K", "KREDIT",
         "ENTRADA", "INFLOW", "EINGANG", "CRÉDIT", "CREDITO", "CRDT", "CRED", "INCOMING"),
        "credit",
    ),
    **dict.fromkeys(
        ("DR", "D", "O", "OUT", "DEBIT", "S", "SOLL", "AF", "A", "-", "CARGO", "DEBE",
         "DEBITO", "DARE", "WITHDRAWAL", "支", "支出", "借", "借方", "DEBET",
         "SAIDA", "OUTFLOW", "AUSGANG", "DEBITO", "DBIT", "DB", "DEB", "OUTGOING"),
        "debit",
    ),
}  # fmt: skip

# Statement fields printed above the header (or as rows below the transactions), as
# "label;value" or "label: value".
FIELD_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("previous_balance", _any(
        r"opening balance", r"balance brought forward", r"brought forward", r"previous balance",
        r"starting balance", r"beginning balance", r"start balance", r"balance at start",
        r"anfangssaldo", r"alter (?:konto)?stand", r"alter saldo", r"saldo alt", r"startsaldo",
        r"solde (?:initial|de depart|precedent|d'ouverture|au debut)", r"ancien solde",
        r"saldo (?:inicial|anterior|iniziale|de abertura|inizio)", r"beginsaldo",
        r"saldo begin", r"baki (?:awal|permulaan|dibawa)", r"期初余额", r"上期余额",
        r"solde en debut", r"balance at (?:the )?(?:start|beginning)", r"saldo (?:al )?inicio",
        r"anfangsbestand", r"saldo vorperiode",
    )),
    ("new_balance", _any(
        r"closing balance", r"ending balance", r"new balance", r"final balance",
        r"balance at end", r"ledger balance", r"current balance", r"account balance",
        r"balance carried forward", r"carried forward", r"endsaldo", r"neuer (?:konto)?stand",
        r"saldo neu", r"schlusssaldo", r"solde (?:final|de cloture|a la fin|actuel)",
        r"nouveau solde", r"saldo (?:final|actual|finale|de fecho|de cierre|contabile)",
        r"eindsaldo", r"saldo eind", r"baki (?:akhir|penutup)", r"期末余额", r"本期余额",
        r"^kontostand", r"^solde$", r"^saldo$", r"^balance$", r"^solde \(", r"^saldo \(",
        r"^balance \(", r"^saldo:", r"^solde au\b", r"^saldo al\b", r"^balance as (?:of|at)",
        r"solde en fin", r"balance at (?:the )?end", r"endbestand", r"^saldo (?:vom|per|am)\b",
        r"^ending balance",
    )),
    ("period", _any(
        r"^period", r"^zeitraum", r"^periode", r"^periodo", r"^tempoh", r"^账单周期",
        r"statement period", r"^from .* to ", r"^du .* au ",
    )),
    ("period_start", _any(
        r"^from$", r"^von$", r"^du$", r"^desde$", r"^van$", r"^dal$", r"^de$", r"start date",
        r"^begin", r"date de debut", r"fecha (?:de )?inicio", r"起始日期", r"开始日期",
    )),
    ("statement_date", _any(
        r"^to$", r"^bis$", r"^au$", r"^hasta$", r"^tot$", r"^al$", r"^ate$", r"end date",
        r"date de fin", r"fecha (?:de )?fin", r"statement date", r"auszugsdatum",
        r"date du releve", r"截止日期", r"结束日期", r"账单日",
    )),
    ("currency", _any(
        r"^currency", r"^wahrung", r"^devise", r"^moneda", r"^divisa", r"^valuta$", r"^munt",
        r"^moeda", r"compte tenu en", r"币种", r"货币",
    )),
    ("account", _any(
        r"^account", r"^konto", r"^iban", r"^compte", r"^numero (?:de )?compte", r"^cuenta",
        r"^girokonto", r"^tagesgeld", r"^sort code", r"^kreditkarte",
        r"^rekening", r"^conto", r"^conta", r"^akaun", r"账号", r"账户", r"^card number",
        r"^kartennummer", r"^numero de carte", r"^card$",
    )),
)  # fmt: skip
TOTAL_ROW = re.compile(
    r"^\s*(?:total|totals|summe|gesamt|totaal|totale|totaux|jumlah|合计|总计|sum)\b", re.I
)

# Words that say the export is a card's (balance owed) or a current account's (money held).
CARD_WORDS = re.compile(
    r"credit ?card|card ?(?:number|no|account)|kreditkarte|kartennummer|carte (?:de credit|"
    r"bancaire)|tarjeta|kredietkaart|kaartnummer|carta di credito|cartao|kad kredit|信用卡|"
    r"\bvisa\b|mastercard|\bamex\b|american express|卡号",
    re.I,
)
CURRENT_WORDS = re.compile(
    r"\biban\b|girokonto|chequing|checking|current account|compte (?:courant|cheque)|"
    r"cuenta corriente|betaalrekening|conto corrente|conta corrente|akaun semasa|"
    r"savings|sparkonto|livret|储蓄|借记卡|auftragskonto|kontonummer|rekeningnummer|sort code|"
    r"tagesgeld|compte de depot|compte cheques|rachunek|konto osobiste|kontoutdrag|"
    r"clearingnummer|privatkonto|lonekonto|estratto conto|rekeningafschrift|bezny ucet",
    re.I,
)

# Description words, matched on `plain` text: money coming in (a payment to the card, a
# refund) or going out (a purchase, a fee). "payment" alone means money in on a card and money
# out on a current account, so it is kept apart.
CREDIT_WORDS = re.compile(
    r"thank ?you|payment received|paiement recu|autopay|refund|reversal|cash ?back|"
    r"\breturn\b|credit adjustment|salary|payroll|\bwages?\b|direct dep|deposit|interest paid|"
    r"gutschrift|ruckerstattung|erstattung|\blohn\b|gehalt|eingang|remboursement|\bavoir\b|"
    r"habenzins|zinsgutschrift|interest credit|interets crediteurs|"
    r"salaire|virement recu|reembolso|devolucion|abono|nomina|terugbetaling|storting|"
    r"salaris|rimborso|accredito|stipendio|estorno|salario|bayaran balik|gaji|退款|工资|"
    r"存入|收入|还款",
)
DEBIT_WORDS = re.compile(
    r"purchase|\bpos\b|\batm\b|withdrawal|\bfees?\b|charge|debit card|card payment|\bsale\b|"
    r"standing order|kartenzahlung|abhebung|geldautomat|entgelt|"
    r"gebuhr|\bachat\b|retrait|paiement (?:par )?carte|\bcb\b|frais|compra|"
    r"retirada|\bcargo\b|pago con tarjeta|comision|aankoop|geldopname|pinbetaling|"
    r"betaalautomaat|acquisto|prelievo|pagamento pos|commissione|levantamento|pagamento|"
    r"pembelian|pengeluaran|caj|消费|取现|支付|手续费|年费",
)
STRONG_CREDIT_WORDS = re.compile(
    r"thank ?you|payment received|autopay|paiement recu|zahlung erhalten|refund|remboursement|"
    r"reembolso|rimborso|terugbetaling|ruckerstattung|退款|还款"
)
CARD_PAYMENT_WORDS = re.compile(
    r"\bpayment\b|\bpaiement\b|\bzahlung\b|\bpago\b|\bbetaling\b|\bausgleich\b|settlement"
)
# A direct debit: money out of a current account, but on a card's export the direct debit from
# the current account that pays the card (DKB's "Ausgleich Kreditkarte", type "Lastschrift").
DIRECT_DEBIT_WORDS = re.compile(
    r"direct debit|lastschrift|prelevement|\bprlv\b|incasso|domiciliacion|addebito diretto|"
    r"debito direto|\bsepa dd\b"
)
# A row that only prints the day's balance (DKB's "Tagessaldo"), not a transaction.
BALANCE_ONLY_ROW = re.compile(
    r"^\W*[\d./-]{6,10}\W+(?:[\d./-]{6,10}\W+)?(?:tagessaldo|daily balance|saldo del giorno|"
    r"solde du jour|saldo diario|dagsaldo)\b",
    re.IGNORECASE,
)

CURRENCY_CODES = frozenset(
    (
        "EUR", "USD", "GBP", "CAD", "CHF", "AUD", "NZD", "JPY", "CNY", "HKD", "SGD", "MYR", "SEK",
        "NOK", "DKK", "PLN", "CZK", "HUF", "INR", "BRL", "MXN", "ZAR", "IDR", "THB", "PHP", "TWD",
        "KRW", "RON", "BGN", "TRY", "ILS", "AED", "SAR", "RUB", "UAH", "ISK", "HRK", "ARS", "CLP",
        "COP", "PEN", "VND", "NGN", "KES", "EGP", "MAD", "QAR", "KWD", "BHD", "OMR", "PKR", "LKR",
        "BDT",
    )
)  # fmt: skip
CURRENCY_WORDS = {
    "€": "EUR", "EURO": "EUR", "EUROS": "EUR", "£": "GBP", "RMB": "CNY", "人民币": "CNY",
    "元": "CNY", "RM": "MYR", "S$": "SGD", "C$": "CAD", "CA$": "CAD", "CAD$": "CAD",
    "A$": "AUD", "AU$": "AUD", "HK$": "HKD", "US$": "USD", "USD$": "USD", "R$": "BRL",
    "FRANCS": "", "FR.": "CHF", "KČ": "CZK", "ZŁ": "PLN",
}  # fmt: skip
_CURRENCY_TOKEN = re.compile(r"[A-Z]{3}|[A-Z]{1,3}\$|€|£|元|人民币|EUROS?|RMB", re.I)


def currency_in(text: str) -> str:
    """The ISO code a header or label names ("Betrag (EUR)", "Débit euros", "CAD$"), or ""."""
    for token in _CURRENCY_TOKEN.findall(str(text)):
        upper = token.upper()
        if upper in CURRENCY_CODES:
            return upper
        if upper in CURRENCY_WORDS:
            return CURRENCY_WORDS[upper]
    return ""


def as_currency(value) -> str:
    """A cell that is one currency ("EUR", "eur", "€") as its ISO code, else ""."""
    text = str(value or "").strip().upper()
    if text in CURRENCY_CODES:
        return text
    return CURRENCY_WORDS.get(text, "")
