"""E-invoice files the tests make: UBL 2.1 (Invoice, CreditNote), CII (Factur-X), 数电 XML and
OFD archives (with an embedded invoice XML, or with CustomData and invoice tags only)."""

# ruff: noqa: RUF001 - full-width CJK punctuation is printed on the documents we read

from __future__ import annotations

import io
import zipfile

UBL_NS = (
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)


def _party(role: str, name: str, tax_id: str) -> str:
    return f"""<cac:{role}><cac:Party>
  <cac:PartyName><cbc:Name>{name}</cbc:Name></cac:PartyName>
  <cac:PartyTaxScheme><cbc:CompanyID>{tax_id}</cbc:CompanyID>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:{role}>"""


def ubl_invoice(
    *,
    number: str = "UBL-2024-001",
    net: str = "200.00",
    tax: str = "38.00",
    total: str = "238.00",
    credit_note: bool = False,
) -> bytes:
    """A Peppol BIS 3 (UBL 2.1) invoice, or a credit note, with two lines."""
    root = "CreditNote" if credit_note else "Invoice"
    line, quantity = (
        ("CreditNoteLine", "CreditedQuantity")
        if credit_note
        else (
            "InvoiceLine",
            "InvoicedQuantity",
        )
    )
    lines = "".join(
        f"""<cac:{line}><cbc:ID>{index}</cbc:ID>
  <cbc:{quantity} unitCode="C62">{qty}</cbc:{quantity}>
  <cbc:LineExtensionAmount currencyID="EUR">{amount}</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>{name}</cbc:Name>
   <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">{price}</cbc:PriceAmount></cac:Price>
 </cac:{line}>"""
        for index, (name, qty, price, amount) in enumerate(
            [("Oak desk", "2", "50.00", "100.00"), ("Desk lamp", "1", "100.00", "100.00")], 1
        )
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" {UBL_NS}>
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:IssueDate>2024-05-02</cbc:IssueDate>
 {"" if credit_note else "<cbc:DueDate>2024-06-01</cbc:DueDate>"}
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 {_party("AccountingSupplierParty", "Nordwind Supplies GmbH", "DE811907980")}
 {_party("AccountingCustomerParty", "Globex Corporation B.V.", "NL123456789B01")}
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="EUR">{net}</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">{net}</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">{total}</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">{total}</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 {lines}
</{root}>""".encode()


def cii_invoice(*, number: str = "FX-2024-17") -> bytes:
    """A Factur-X / ZUGFeRD 2 (CII) invoice, EN 16931 profile."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20240305</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:SpecifiedTradeProduct><ram:Name>Beratung</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>
    <ram:ChargeAmount>50.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
   </ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="HUR">2</ram:BilledQuantity>
   </ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement>
    <ram:ApplicableTradeTax><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementLineMonetarySummation>
     <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
    </ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Muster Beratung GmbH</ram:Name>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Kunde AG</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
    <udt:DateTimeString format="102">20240404</udt:DateTimeString></ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


SHUDIAN_NUMBER = "24312000000012345678"


def shudian_xml(*, number: str = SHUDIAN_NUMBER, total: str = "106.00") -> bytes:
    """A 数电 (全电) invoice XML, as the tax authority's platform issues it."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
 <Header><EIid>{number}</EIid><EInvoiceTag>SWEI3100</EInvoiceTag><Version>0.1</Version>
  <InherentLabel><EInvoiceType><LabelCode>02</LabelCode><LabelName>普通发票</LabelName>
  </EInvoiceType></InherentLabel></Header>
 <EInvoiceData>
  <SellerInformation><SellerIdNum>91420200562725281Y</SellerIdNum>
   <SellerName>上海某某科技有限公司</SellerName></SellerInformation>
  <BuyerInformation><BuyerIdNum>914201007483062457</BuyerIdNum>
   <BuyerName>武汉市某某物流有限公司</BuyerName></BuyerInformation>
  <BasicInformation><TotalAmWithoutTax>100.00</TotalAmWithoutTax><TotalTaxAm>6.00</TotalTaxAm>
   <TotalTax-includedAmount>{total}</TotalTax-includedAmount>
   <TotalTax-includedAmountInChinese>壹佰零陆圆整</TotalTax-includedAmountInChinese>
   <RequestTime>2024-01-15 10:20:30</RequestTime></BasicInformation>
  <IssuItemInformation><ItemName>*信息技术服务*软件服务</ItemName><Quantity>1</Quantity>
   <UnPrice>100</UnPrice><Amount>100.00</Amount><TaxRate>0.06</TaxRate><ComTaxAm>6.00</ComTaxAm>
  </IssuItemInformation>
 </EInvoiceData>
 <TaxSupervisionInfo><InvoiceNumber>{number}</InvoiceNumber><IssueTime>2024-01-15</IssueTime>
 </TaxSupervisionInfo>
</EInvoice>""".encode()


OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _ofd_root(custom: dict[str, str]) -> bytes:
    datas = "".join(f'<ofd:CustomData Name="{k}">{v}</ofd:CustomData>' for k, v in custom.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD {OFD_NS} Version="1.1" DocType="OFD"><ofd:DocBody>
 <ofd:DocInfo><ofd:DocID>6d1f</ofd:DocID><ofd:CustomDatas>{datas}</ofd:CustomDatas></ofd:DocInfo>
 <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>""".encode()


def _page(objects: dict[str, str]) -> bytes:
    texts = "".join(
        f'<ofd:TextObject ID="{i}" Boundary="0 0 50 5" Font="3" Size="3">'
        f'<ofd:TextCode X="0" Y="3">{t}</ofd:TextCode></ofd:TextObject>'
        for i, t in objects.items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page {OFD_NS}><ofd:Content><ofd:Layer ID="2">{texts}</ofd:Layer></ofd:Content>
</ofd:Page>""".encode()


DOCUMENT_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document {OFD_NS}><ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID></ofd:CommonData>
<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>
<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags></ofd:Document>""".encode()


def ofd_with_tags() -> bytes:
    """An older OFD e-invoice: OFD.xml CustomData, and invoice tags pointing at page text."""
    objects = {
        "10": "033001900111",
        "11": "61876678",
        "12": "2019年11月18日",
        "13": "杭州某某餐饮有限公司",
        "14": "91420200562725281Y",
        "15": "¥23.89",
        "16": "¥3.11",
        "17": "¥27.00",
    }
    tags = {
        "InvoiceCode": "10",
        "InvoiceNo": "11",
        "IssueDate": "12",
        "SellerName": "13",
        "SellerTaxID": "14",
        "TaxExclusiveTotalAmount": "15",
        "TaxTotalAmount": "16",
        "TaxInclusiveTotalAmount": "17",
    }
    tag_xml = "".join(
        f'<fp:{name}><ofd:ObjectRef PageRef="1">{ref}</ofd:ObjectRef></fp:{name}>'
        for name, ref in tags.items()
    )
    return _zip(
        {
            "OFD.xml": _ofd_root({"发票代码": "033001900111", "发票号码": "61876678"}),
            "Doc_0/Document.xml": DOCUMENT_XML,
            "Doc_0/Pages/Page_0/Content.xml": _page(objects),
            "Doc_0/Tags/CustomTags.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:CustomTags {OFD_NS}>'
                '<ofd:CustomTag NameSpace="fp"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc>'
                "</ofd:CustomTag></ofd:CustomTags>"
            ).encode(),
            "Doc_0/Tags/CustomTag.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><fp:eInvoice {OFD_NS} '
                f'xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019">{tag_xml}</fp:eInvoice>'
            ).encode(),
        }
    )


def ofd_with_invoice_xml(xml: bytes | None = None) -> bytes:
    """A 数电 OFD: the layout, and the invoice XML as an attachment."""
    return _zip(
        {
            "OFD.xml": _ofd_root({"发票号码": SHUDIAN_NUMBER}),
            "Doc_0/Document.xml": DOCUMENT_XML,
            "Doc_0/Pages/Page_0/Content.xml": _page({"10": "电子发票（普通发票）"}),
            "Doc_0/Attachs/invoice.xml": xml or shudian_xml(),
        }
    )


def camt_statement() -> bytes:
    """An ISO 20022 camt.053 bank statement: XML, and no invoice."""
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2024-05-02T10:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
 <Ntry><Amt Ccy="EUR">238.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry></Stmt>
</BkToCstmrStmt></Document>"""


def billion_laughs_ubl() -> bytes:
    """A UBL invoice whose number is an entity-expansion bomb (about 1 GB expanded)."""
    entities = '<!ENTITY a0 "laugh">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [{entities}]>'
        f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" {UBL_NS}>'
        "<cbc:ID>&a9;</cbc:ID></Invoice>"
    ).encode()


def external_entity_ubl(path: str = "/etc/passwd") -> bytes:
    """A UBL invoice reading a local file through an external entity (XXE)."""
    return (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file://{path}">]>'
        f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" {UBL_NS}>'
        "<cbc:ID>&xxe;</cbc:ID></Invoice>"
    ).encode()
