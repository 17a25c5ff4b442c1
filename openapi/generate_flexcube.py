"""Writes the project's FCUBS WSDL/XSD subset from the element facts in
shared/reference/flexcube.md (nothing here is copied from vendor files).

    python openapi/generate_flexcube.py   # rewrites openapi/flexcube/*.wsdl, *.xsd

Each service: ``<Service>.wsdl`` (targetNamespace http://types.ws.gw.fcubs.ofss.com, port
``<Service>SEI``, binding ``<Service>SEIBinding``, document/literal, soapAction "") importing
``<Service>.xsd`` (the payload namespace, elementFormDefault qualified). The header is the
older (JAX-WS 2.1.4 gateway) FCUBS_HEADER: no ENTITY, no PASSWORD, MSGID/CORRELID/MODULEID/
SOURCE_OPERATION/SOURCE_USERID required. Field syntax: ``NAME`` required, ``NAME?`` optional,
``NAME*`` repeating; a type after ``:`` (string when absent); children in a list.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent / "flexcube"
GW_NS = "http://types.ws.gw.fcubs.ofss.com"
FCUBS_NS = "http://fcubs.ofss.com/service/{}"
XSC_NS = "urn:xsell-connect:fcubs:{}"

HEADER = ["SOURCE", "UBSCOMP:UBSCOMPType", "MSGID", "CORRELID", "USERID", "BRANCH", "MODULEID",
          "SERVICE", "OPERATION", "SOURCE_OPERATION", "SOURCE_USERID", "DESTINATION?",
          "MULTITRIPID?", "FUNCTIONID?", "ACTION?", "MSGSTAT?:MsgStatType",
          ("ADDL?", [("PARAM*", ["NAME", "VALUE"])])]
UDF = ("UDFDETAILS*", ["FLDNAM", "FLDVAL?"])
CUSTOMER_FULL = [
    "NAME?", "CUSTNO", "CTYPE?", "SNAME?", "FULLNAME?", "ADDRLN1?", "ADDRLN2?", "ADDRLN3?",
    "ADDRLN4?", "COUNTRY?", "NLTY?", "LANG?", "LBRN?", "CCATEG?", "CUSTCLASSFN?", "CIFSTAT?",
    "KYCSTAT?", "MAKER?", "MAKERSTAMP?", "CHECKER?", "CHECKERSTAMP?", "MODNO?:int", "TXNSTAT?",
    "AUTHSTAT?",
    ("Custpersonal?", ["FSTNAME?", "MIDNAME?", "LSTNAME?", "DOB?:date", "SEX?", "EMAIL?",
                       "MOBNUM?"]),
    ("Custcorp?", ["CORPNAME?", "INCORPDT?:date"]),
    ("Custmis?", [("Customermis*", ["MISCLS", "MISCD?"])]),
    UDF,
]
ACCOUNT_FULL = [
    "BRN", "ACC", "CUSTNO", "ACCLS", "CCY", "CUSTNAME?", "ADESC?", "ACSTATNODR?", "ACSTATNOCR?",
    "ACSTATSTPAY?", "DORM?", "FROZEN?", "ACCTYPE?", "ACCOPENDT?:date", "IBANACNO?", "ACCSTAT?",
    "RECSTAT?", "MATDT?:date", "INTRATE?:decimal", "ODLIMIT?:decimal", "PRINCIPAL?:decimal",
    "MAKER?", "MAKERSTAMP?", "AUTHSTAT?", UDF,
]
ACC_BAL = ["BRANCH_CODE", "CUST_AC_NO", "CCY?", "TRNDT?:date", "OPNBAL?:decimal",
           "CURBAL?:decimal", "AVLBAL?:decimal", "UNCOLAMT?:decimal", "TODLIMIT?:decimal"]
TXN = ["AC_BRANCH", "AC_NO", "AC_CCY", "DRCR_IND", "LCY_AMOUNT:decimal", "FCY_AMOUNT?:decimal",
       "TRN_REF_NO", "TRN_CODE?", "EVENT?", "MODULE?", "TRN_DT:date", "VALUE_DT:date",
       "EXTERNAL_REF_NO?", "RELATED_ACCOUNT?", "RELATED_CUSTOMER?", "TRN_DTTM?", "NARRATIVE?",
       "MCC?", "MERCHANT_COUNTRY?", "CHANNEL?", "REVERSAL?"]
ACC_CLASS = ["ACCLS", "ADESC", "FAMILY", "ACCOUNT_TYPE?", "MODULE?", "CCY", "RATE_MIN?:decimal",
             "RATE_MAX?:decimal", "RATE_DEFAULT?:decimal", "AMT_MIN?:decimal",
             "AMT_MAX?:decimal", "TERM_MIN?:int", "TERM_MAX?:int", "MIN_AGE?:int",
             "MAX_AGE?:int", "CATEGORIES_LIST?", "RESIDENCY_LIST?", "MIN_BAL?:decimal",
             "REQUIRES_LIST?", "EXCLUDES_LIST?", "CHANNELS_LIST?", "CUST_TYPES?",
             "START_DATE?:date", "END_DATE?:date", "VERSION?"]
OFFER = ["OFFER_ID", "CUSTNO", "BRN?", "ACCLS", "PRODUCT_NAME?", "NBA_CODE", "CCY",
         "RATE?:decimal", "AMOUNT?:decimal", "TERM_MONTHS?:int", "CHANNEL", "SCORE:decimal",
         "REASON_CODES?", "STATUS", "CREATED_AT", "EXPIRES_AT", "TEMPLATE_ID?", "TERMS_VERSION?",
         "MAKER?", "MAKERSTAMP?"]
AUDIT = ["AUDIT_ID", "CUSTNO", "BRN?", "CUSTOMER_REF", "NBA_CODE", "OFFER_ID?", "SCORE:decimal",
         "MODEL_VERSION", "REASON_CODES?", "CHANNEL?", "DECIDED_AT", "EXPIRES_AT?", "OUTCOME",
         "CORRELATION_ID?", "MAKER?", "MAKERSTAMP?"]
PAGE = ["MAXROWS?:int", "NEXTKEY?"]
MORE = ["MORE?", "NEXTKEY?"]

# service -> (namespace, [(wsdl operation, request root, request body, reply root, reply body)])
SERVICES = {
    "FCUBSCustomerService": (FCUBS_NS, [
        ("QueryCustomerIO", "QUERYCUSTOMER_IOFS_REQ", [("Customer-IO", ["CUSTNO"])],
         "QUERYCUSTOMER_IOFS_RES",
         [("Customer-IO?", ["CUSTNO"]), ("Customer-Full?", CUSTOMER_FULL)]),
        ("ModifyCustomerIO", "MODIFYCUSTOMER_IOPK_REQ",
         [("Customer-IO", ["CUSTNO", ("Custgrp", ["GROUPCODE?"]), ("Custshhold", ["SHHOLDER?"]),
                           ("Clsccyrest", ["CCY?"]), ("Bic", ["BICCODE?"]), UDF])],
         "MODIFYCUSTOMER_IOPK_RES",
         [("Customer-PK?", ["CUSTNO"]), ("Customer-IO?", ["CUSTNO", UDF])]),
    ]),
    "FCUBSAccService": (FCUBS_NS, [
        ("QueryCustAccIO", "QUERYCUSTACC_IOFS_REQ", [("Cust-Account-IO", ["BRN", "ACC"])],
         "QUERYCUSTACC_IOFS_RES",
         [("Cust-Account-IO?", ["BRN", "ACC"]), ("Cust-Account-Full?", ACCOUNT_FULL)]),
        ("QueryAccBalIO", "QUERYACCBAL_IOFS_REQ",
         [("ACC-Balance", [("ACC_BAL", ["BRANCH_CODE", "CUST_AC_NO"])])],
         "QUERYACCBAL_IOFS_RES", [("ACC-Balance?", [("ACC_BAL*", ACC_BAL)])]),
        ("QueryAccSummIO", "QUERYACCSUMM_IOFS_REQ", [("Cust-Acc-Summ-IO", ["CUST_NO"])],
         "QUERYACCSUMM_IOFS_RES",
         [("Cust-Acc-Summ-Full?",
           ["CUST_NO", ("ACC_SUMM*", ["CUSTACNO", "BRANCH_CODE", "ACCOUNT_TYPE", "CCY?",
                                      "CUSTOMER_NAME?"])])]),
    ]),
    "XSCStatementService": (XSC_NS, [
        ("QueryAccTxnsIO", "QUERYACCTXNS_IOFS_REQ",
         [("Acc-Txn-Query", ["BRN?", "ACC", "FROMDT?:date", "TODT?:date", *PAGE])],
         "QUERYACCTXNS_IOFS_RES", [("Acc-Txn-Full*", TXN), *MORE]),
    ]),
    "XSCEngagementService": (XSC_NS, [
        ("CreateOfferFS", "CREATEOFFER_FSFS_REQ", [("Offer-Full", OFFER)],
         "CREATEOFFER_FSFS_RES", [("Offer-Full?", OFFER)]),
        ("CreateAiAuditFS", "CREATEAIAUDIT_FSFS_REQ", [("Ai-Audit-Full", AUDIT)],
         "CREATEAIAUDIT_FSFS_RES", [("Ai-Audit-Full?", AUDIT)]),
        ("QueryAccClassIO", "QUERYACCCLASS_IOFS_REQ", [("Acc-Class-Query", PAGE)],
         "QUERYACCCLASS_IOFS_RES", [("Acc-Class-Full*", ACC_CLASS), *MORE]),
        ("QueryCustDirIO", "QUERYCUSTDIR_IOFS_REQ", [("Cust-Dir-Query", PAGE)],
         "QUERYCUSTDIR_IOFS_RES", [("Cust-Dir-Full*", ["CUSTNO", "LBRN?"]), *MORE]),
    ]),
}
ERRORS = [("FCUBS_ERROR_RESP*", [("ERROR+", ["ECODE", "EDESC"])]),
          ("FCUBS_WARNING_RESP*", [("WARNING+", ["WCODE", "WDESC"])])]
_OCCURS = {"": ' minOccurs="1" maxOccurs="1"', "?": ' minOccurs="0"',
           "*": ' minOccurs="0" maxOccurs="unbounded"', "+": ' minOccurs="1" maxOccurs="unbounded"'}


def _field(spec: object, pad: str) -> list[str]:
    if isinstance(spec, tuple):
        name, children = spec
    else:
        name, children = str(spec), None
    name, _, kind = name.partition(":")
    mark = name[-1] if name[-1] in "?*+" else ""
    name = name.rstrip("?*+")
    occurs = _OCCURS[mark]
    if children is None:
        xs_type = {"": "xs:string", "date": "xs:date", "decimal": "xs:decimal", "int": "xs:int"}
        typ = xs_type.get(kind, kind)
        return [f'{pad}<xs:element name="{name}" type="{typ}"{occurs}/>']
    return [f'{pad}<xs:element name="{name}"{occurs}>', f"{pad}  <xs:complexType>",
            *_sequence(children, pad + "    "), f"{pad}  </xs:complexType>",
            f"{pad}</xs:element>"]


def _sequence(fields: list[object], pad: str) -> list[str]:
    lines = [f"{pad}<xs:sequence>"]
    for spec in fields:
        lines += _field(spec, pad + "  ")
    return [*lines, f"{pad}</xs:sequence>"]


#: (operation, request element, request body, response element, response body)
Operation = tuple[str, str, list[object], str, list[object]]
_GENERATED = (
    "     shared/reference/flexcube.md (generated by ../generate_flexcube.py; "
    "do not edit by hand). -->"
)


def xsd(service: str, ns: str, ops: list[Operation]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- {service} payload subset, written by xsell-connect from the element facts in",
        _GENERATED,
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{ns}"',
        f'           targetNamespace="{ns}" elementFormDefault="qualified">',
        '  <xs:simpleType name="UBSCOMPType"><xs:restriction base="xs:string">'
        '<xs:enumeration value="FCUBS"/><xs:enumeration value="FCIS"/>'
        "</xs:restriction></xs:simpleType>",
        '  <xs:simpleType name="MsgStatType"><xs:restriction base="xs:string">'
        '<xs:enumeration value="SUCCESS"/><xs:enumeration value="WARNING"/>'
        '<xs:enumeration value="FAILURE"/></xs:restriction></xs:simpleType>',
        '  <xs:complexType name="FCUBS_HEADERType">',
        *_sequence(HEADER, "    "),
        "  </xs:complexType>",
    ]
    for _op, req, req_body, res, res_body in ops:
        for root, body in ((req, req_body), (res, [*res_body, *ERRORS] if res else [])):
            lines += [f'  <xs:element name="{root}">', "    <xs:complexType>",
                      "      <xs:sequence>",
                      '        <xs:element name="FCUBS_HEADER" type="FCUBS_HEADERType"/>',
                      *_field(("FCUBS_BODY", body), "        "),
                      "      </xs:sequence>", "    </xs:complexType>", "  </xs:element>"]
    return "\n".join([*lines, "</xs:schema>", ""])


def wsdl(service: str, ns: str, ops: list[Operation]) -> str:
    msgs, port, bind = [], [], []
    for op, req, _, res, _ in ops:
        msgs += [f'  <wsdl:message name="{op}Req"><wsdl:part name="{req}" element="p:{req}"/>'
                 "</wsdl:message>",
                 f'  <wsdl:message name="{op}Res"><wsdl:part name="{res}" element="p:{res}"/>'
                 "</wsdl:message>"]
        port += [f'    <wsdl:operation name="{op}"><wsdl:input message="tns:{op}Req"/>'
                 f'<wsdl:output message="tns:{op}Res"/></wsdl:operation>']
        bind += [f'    <wsdl:operation name="{op}"><soap:operation soapAction=""/>'
                 '<wsdl:input><soap:body use="literal"/></wsdl:input>'
                 '<wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>']
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- {service}: SOAP 1.1 document/literal, written by xsell-connect from",
        _GENERATED,
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"',
        '                  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"',
        '                  xmlns:xs="http://www.w3.org/2001/XMLSchema"',
        f'                  xmlns:tns="{GW_NS}" xmlns:p="{ns}"',
        f'                  targetNamespace="{GW_NS}" name="{service}">',
        "  <wsdl:types>",
        f'    <xs:schema><xs:import namespace="{ns}" schemaLocation="{service}.xsd"/></xs:schema>',
        "  </wsdl:types>",
        *msgs,
        f'  <wsdl:portType name="{service}SEI">', *port, "  </wsdl:portType>",
        f'  <wsdl:binding name="{service}SEIBinding" type="tns:{service}SEI">',
        '    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>',
        *bind, "  </wsdl:binding>",
        f'  <wsdl:service name="{service}">',
        f'    <wsdl:port name="{service}SEI" binding="tns:{service}SEIBinding">',
        f'      <soap:address location="http://localhost:7053/{service}/{service}"/>',
        "    </wsdl:port>", "  </wsdl:service>", "</wsdl:definitions>", ""])


def main() -> None:
    for service, (ns_pattern, ops) in SERVICES.items():
        ns = ns_pattern.format(service)
        (HERE / f"{service}.xsd").write_text(xsd(service, ns, ops))
        (HERE / f"{service}.wsdl").write_text(wsdl(service, ns, ops))


if __name__ == "__main__":
    main()
