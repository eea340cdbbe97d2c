"""Built-in label aliases for the languages added in #15 (Polish, Spanish, Italian, Portuguese,
Czech, Swedish, Japanese) and for the accountant fields (purchase order, payment terms, bank
details, addresses, service period), merged into `labels.BUILTIN_LABELS`.

Kept apart from labels.py so each file stays readable; the matching rules are the same
(case-insensitive on NFKC text, Latin aliases on word boundaries). Diacritics are listed both
ways where scans and ASCII-only systems drop them ("platnosci" for "płatności").
"""

from __future__ import annotations

WORLD_LABELS: dict[str, dict[str, list[str]]] = {
    "invoice_number": {
        "pl": ["numer faktury", "nr faktury", "faktura vat nr", "faktura nr", "faktura numer"],
        "es": ["nº de factura", "n.º de factura", "núm. factura", "factura nº", "nº factura"],
        "it": ["numero documento", "n. fattura", "fattura nr", "n° fattura", "fattura num"],
        "pt": ["número da fatura", "fatura n", "fatura nº", "nº fatura", "nota fiscal n"],
        "cs": ["číslo faktury", "faktura číslo", "faktura č", "daňový doklad č", "cislo faktury"],
        "sv": ["fakturanummer", "fakturanr", "faktura nr", "fakturanummer:"],
        "ja": ["請求書番号", "請求番号", "請求書no", "伝票番号"],
        "en": ["invoice ref", "invoice reference"],
    },
    "date": {
        "pl": ["data wystawienia", "data faktury", "data"],
        "es": ["fecha de emisión", "fecha emisión", "fecha de expedición", "fecha factura"],
        "it": ["data emissione", "data documento", "data della fattura"],
        "pt": ["data de emissão", "data da fatura", "data emissão", "data"],
        "cs": ["datum vystavení", "datum vystaveni", "vystaveno", "datum"],
        "sv": ["fakturadatum", "datum"],
        "ja": ["発行日", "請求日", "請求書発行日", "発行年月日"],
    },
    "due_date": {
        "pl": ["termin płatności", "termin platnosci", "płatne do", "zapłata do"],
        "es": ["fecha de pago", "vence", "fecha vencimiento"],
        "it": ["data scadenza", "scadenza pagamento", "data di scadenza"],
        "pt": ["data de vencimento", "vencimento"],
        "cs": ["datum splatnosti", "splatnost", "splatno"],
        "sv": ["förfallodatum", "forfallodatum", "förfaller", "att betala senast", "oss tillhanda"],
        "ja": ["支払期限", "お支払期限", "お支払い期限", "支払期日", "振込期限"],
    },
    "total_amount": {
        "pl": ["do zapłaty", "razem do zapłaty", "kwota brutto", "wartość brutto", "razem brutto"],
        "es": ["total factura", "importe a pagar", "total a abonar"],
        "it": ["totale da pagare", "totale a pagare", "netto a pagare", "totale documento"],
        "pt": ["valor total", "total a pagar", "total da fatura", "total geral"],
        "cs": ["celkem k úhradě", "k úhradě", "celkem k uhrade", "celková částka", "celkem"],
        "sv": ["att betala", "summa att betala", "totalt", "totalbelopp", "summa"],
        "ja": ["ご請求金額", "請求金額", "合計金額", "税込合計", "合計"],
    },
    "net_amount": {
        "pl": ["wartość netto", "kwota netto", "razem netto", "netto"],
        "es": ["importe neto"],
        "it": ["totale imponibile", "imponibile"],
        "pt": ["valor líquido", "base tributável", "subtotal", "valor sem iva"],
        "cs": ["základ daně", "zaklad dane", "bez dph", "celkem bez dph"],
        "sv": ["netto", "belopp exkl. moms", "exkl. moms", "summa exkl. moms", "nettobelopp"],
        "ja": ["小計", "税抜金額", "税抜合計", "税抜"],
    },
    "tax_amount": {
        "pl": ["kwota vat", "wartość vat", "podatek vat", "razem vat", "vat"],
        "es": ["cuota iva", "total iva", "importe iva"],
        "it": ["totale iva", "importo iva"],
        "pt": ["valor do iva", "total iva", "iva"],
        "cs": ["výše dph", "částka dph", "dph celkem", "dph"],
        "sv": ["moms", "momsbelopp", "summa moms"],
        "ja": ["消費税額", "消費税", "うち消費税"],
    },
    "currency": {
        "pl": ["waluta"],
        "pt": ["moeda"],
        "cs": ["měna", "mena"],
        "sv": ["valuta"],
        "ja": ["通貨"],
    },
    "seller": {
        "pl": ["sprzedawca", "wystawca", "sprzedający"],
        "es": ["vendedor", "emisor", "proveedor"],
        "it": ["fornitore", "cedente", "prestatore", "venditore"],
        "pt": ["fornecedor", "emitente", "vendedor", "prestador"],
        "cs": ["dodavatel", "prodávající", "prodavajici"],
        "sv": ["säljare", "leverantör", "avsändare"],
        "ja": ["販売者", "発行者", "請求元"],
    },
    "buyer": {
        "pl": ["nabywca", "odbiorca", "kupujący", "płatnik"],
        "es": ["cliente", "comprador", "destinatario", "facturar a"],
        "it": ["cliente", "committente", "cessionario", "destinatario"],
        "pt": ["cliente", "adquirente", "comprador", "tomador"],
        "cs": ["odběratel", "odberatel", "kupující", "kupujici"],
        "sv": ["köpare", "kund", "faktureras till", "fakturaadress"],
        "ja": ["請求先", "購入者", "お客様"],
        "en": ["bill-to", "invoiced to", "customer name"],
    },
    "seller_tax_id": {
        "pl": ["nip", "nip ue"],
        "es": ["nif/cif", "n.i.f", "c.i.f", "nif-iva"],
        "it": ["p. iva", "codice fiscale"],
        "pt": ["contribuinte", "nif", "nipc", "cnpj", "cpf"],
        "cs": ["dič", "ičo", "ič"],
        "sv": [
            "org.nr",
            "org nr",
            "organisationsnummer",
            "momsreg.nr",
            "momsregistreringsnummer",
            "vat-nr",
        ],
        "ja": ["登録番号", "適格請求書発行事業者登録番号", "事業者登録番号"],
    },
    "purchase_order_number": {
        "en": [
            "purchase order number",
            "purchase order no",
            "purchase order",
            "po number",
            "po no",
            "p.o. number",
            "p.o. no",
            "po #",
            "order number",
            "order no",
            "your order",
            "customer po",
        ],
        "de": [
            "bestellnummer",
            "bestell-nr",
            "ihre bestellung",
            "auftragsnummer",
            "auftrag nr",
            "ihre bestellnummer",
        ],
        "fr": [
            "bon de commande",
            "n° de commande",
            "numéro de commande",
            "commande n°",
            "votre commande",
        ],
        "nl": ["ordernummer", "inkoopordernummer", "uw ordernummer", "bestelnummer"],
        "pl": ["numer zamówienia", "nr zamówienia", "zamówienie nr", "zamówienie"],
        "es": ["número de pedido", "nº pedido", "pedido nº", "orden de compra", "pedido"],
        "it": ["numero ordine", "ordine n", "n. ordine", "ordine d'acquisto", "rif. ordine"],
        "pt": [
            "número do pedido",
            "nº encomenda",
            "nota de encomenda",
            "pedido de compra",
            "encomenda",
        ],
        "cs": ["číslo objednávky", "objednávka č", "objednávka", "cislo objednavky"],
        "sv": ["ordernummer", "er order", "beställningsnummer", "inköpsorder", "ordernr"],
        "ja": ["注文番号", "発注番号", "注文書番号"],
    },
    "payment_terms": {
        "en": ["payment terms", "terms of payment", "terms"],
        "de": ["zahlungsbedingungen", "zahlungsbedingung", "zahlungsziel"],
        "fr": ["conditions de paiement", "conditions de règlement", "modalités de paiement"],
        "nl": ["betalingsvoorwaarden", "betalingstermijn"],
        "pl": ["warunki płatności", "termin płatności", "sposób płatności"],
        "es": ["condiciones de pago", "forma de pago", "plazo de pago"],
        "it": ["condizioni di pagamento", "termini di pagamento", "modalità di pagamento"],
        "pt": ["condições de pagamento", "prazo de pagamento"],
        "cs": ["platební podmínky", "platebni podminky", "forma úhrady"],
        "sv": ["betalningsvillkor", "betalvillkor"],
        "ja": ["支払条件", "お支払条件", "支払方法"],
    },
    "iban": {"en": ["iban"], "pl": ["iban"], "ja": ["iban"]},
    "bic": {
        "en": ["bic/swift", "swift/bic", "swift code", "bic code", "swift", "bic"],
        "pl": ["kod swift"],
        "ja": ["swiftコード"],
    },
    "bank_account": {
        "en": ["bank account", "account number", "account no", "a/c no", "acct no"],
        "de": ["kontonummer", "konto-nr", "konto nr"],
        "fr": ["numéro de compte", "n° de compte", "rib"],
        "nl": ["rekeningnummer", "rekening nr"],
        "pl": [
            "numer konta",
            "nr konta",
            "nr rachunku",
            "numer rachunku",
            "konto bankowe",
            "rachunek bankowy",
        ],
        "es": ["número de cuenta", "nº de cuenta", "cuenta bancaria", "ccc"],
        "it": ["conto corrente", "c/c", "numero di conto"],
        "pt": ["conta bancária", "número da conta", "conta corrente"],
        "cs": ["číslo účtu", "cislo uctu", "bankovní účet", "účet"],
        "sv": ["bankgiro", "plusgiro", "kontonummer", "bankkonto"],
        "ja": ["口座番号", "振込先"],
    },
    "service_period": {
        "en": [
            "service period",
            "billing period",
            "period of service",
            "invoice period",
            "period",
            "service date",
        ],
        "de": ["leistungszeitraum", "abrechnungszeitraum", "lieferzeitraum", "zeitraum"],
        "fr": ["période de facturation", "période de service", "période"],
        "nl": ["factuurperiode", "periode"],
        "pl": ["okres rozliczeniowy", "okres świadczenia", "okres"],
        "es": ["periodo de facturación", "período de facturación", "periodo", "período"],
        "it": ["periodo di fatturazione", "periodo di riferimento", "periodo"],
        "pt": ["período de faturação", "período de faturamento", "período"],
        "cs": ["zúčtovací období", "fakturační období", "období"],
        "sv": ["faktureringsperiod", "avser period", "period"],
        "ja": ["請求期間", "対象期間", "利用期間", "サービス期間"],
    },
}

# Party headings that head a block which is neither party (a delivery address): a party block
# stops there, and its lines are never read as the buyer.
OTHER_PARTY_HEADINGS = [
    "ship to", "shipped to", "deliver to", "delivery address", "lieferadresse", "lieferanschrift",
    "adresse de livraison", "livré à", "afleveradres", "leveringsadres", "adres dostawy",
    "miejsce dostawy", "dirección de envío", "enviar a", "indirizzo di consegna", "destinazione",
    "morada de entrega", "local de entrega", "dodací adresa", "místo dodání", "leveransadress",
    "levereras till", "納品先", "送付先", "お届け先",
]  # fmt: skip

# Legal forms of the added countries (marking a line as a company name).
WORLD_COMPANY_FORMS = [
    "sp. z o.o.", "sp. z o. o.", "spółka", "sp.j.", "sp.k.", "s.c.",
    "s.l.u.", "slu", "s.l", "s.coop", "s.r.l.", "s.n.c.", "s.a.s", "lda", "lda.", "ltda",
    "ltda.", "eireli", "s.r.o.", "spol. s r.o.", "a.s.", "v.o.s.", "ab", "oy",
    "株式会社", "有限会社", "合同会社", "(株)", "(有)",
]  # fmt: skip

# Before a generic "date" label, words that make it another date, in the added languages.
WORLD_QUALIFIED_BEFORE = [
    "dostawy", "sprzedaży", "entrega", "consegna", "vencimiento", "scadenza", "vencimento",
    "splatnosti", "plnění", "leverans", "pagamento", "pago",
]  # fmt: skip
