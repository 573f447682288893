"""SAML 2.0 sign-in (allauth's saml provider, python3-saml): a response whose assertion is signed
with the test identity provider's key signs the person in (a "just in time" account, a group
attribute granting a role); a tampered, unsigned, unsolicited or foreign-signed one does not."""

from __future__ import annotations

import base64
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.test import Client
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from opmodel.access import role_of
from opmodel.models import Role
from opmodel.services.sso import sso_groups_apply
from tests.conftest import build_model

pytestmark = pytest.mark.django_db

IDP = "https://idp.quokka.example/saml"
ORG = "quokka"
HOST = "opmodel.quokka.example"  # python3-saml wants a dotted host name in its URLs
ACS = f"http://{HOST}/accounts/saml/{ORG}/acs/"
SP_ENTITY = f"http://{HOST}/accounts/saml/{ORG}/metadata/"
EMAIL_URI = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def _key_and_cert(name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def idp_keys() -> dict[str, tuple[str, str]]:
    return {"idp": _key_and_cert("idp.quokka.example"), "rogue": _key_and_cert("rogue.example")}


@pytest.fixture
def saml_settings(settings, idp_keys):
    _key, cert = idp_keys["idp"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "saml": {
            "APPS": [
                {
                    "provider_id": "saml",
                    "name": "Quokka SAML",
                    "client_id": ORG,
                    "settings": {
                        "attribute_mapping": {"email": [EMAIL_URI], "first_name": ["givenName"]},
                        "idp": {"entity_id": IDP, "sso_url": f"{IDP}/sso", "x509cert": cert},
                        "advanced": {
                            "want_assertion_signed": True,
                            "reject_idp_initiated_sso": True,
                        },
                    },
                }
            ]
        }
    }
    return settings


def _stamp(delta_minutes: int = 0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=delta_minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _assertion(request_id: str, email: str, groups: list[str]) -> str:
    values = "".join(f"<saml:AttributeValue>{g}</saml:AttributeValue>" for g in groups)
    return f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a{request_id}" Version="2.0" IssueInstant="{_stamp()}">
<saml:Issuer>{IDP}</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">carol-7f3a</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData NotOnOrAfter="{_stamp(5)}" Recipient="{ACS}" InResponseTo="{request_id}"/>
</saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="{_stamp(-5)}" NotOnOrAfter="{_stamp(5)}">
<saml:AudienceRestriction><saml:Audience>{SP_ENTITY}</saml:Audience></saml:AudienceRestriction>
</saml:Conditions>
<saml:AuthnStatement AuthnInstant="{_stamp()}" SessionIndex="_s{request_id}">
<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext>
</saml:AuthnStatement>
<saml:AttributeStatement>
<saml:Attribute Name="{EMAIL_URI}"><saml:AttributeValue>{email}</saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="givenName"><saml:AttributeValue>Carol</saml:AttributeValue></saml:Attribute>
<saml:Attribute Name="groups">{values}</saml:Attribute>
</saml:AttributeStatement>
</saml:Assertion>"""  # noqa: E501 - one XML element per line


def _response(request_id: str, assertion: str) -> str:
    xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{request_id}" Version="2.0" IssueInstant="{_stamp()}" Destination="{ACS}" InResponseTo="{request_id}">
<saml:Issuer>{IDP}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
{assertion}
</samlp:Response>"""  # noqa: E501 - one XML element per line
    return base64.b64encode(xml.encode()).decode()


def _sign(assertion: str, key_and_cert: tuple[str, str]) -> str:
    key, cert = key_and_cert
    signed = OneLogin_Saml2_Utils.add_sign(
        assertion,
        key,
        cert,
        sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
        digest_algorithm=OneLogin_Saml2_Constants.SHA256,
    )
    text = signed.decode() if isinstance(signed, bytes) else signed
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", text)


def _start(client: Client) -> tuple[str, str]:
    """Begin a sign-in at opmodel: the request id and relay state it sends to the provider."""
    response = client.post(f"/accounts/saml/{ORG}/login/", {"next": "/"})
    assert response.status_code == 302 and response["Location"].startswith(f"{IDP}/sso?")
    query = parse_qs(urlsplit(response["Location"]).query)
    request = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0])
    request_id = re.search(rb'ID="([^"]+)"', request).group(1).decode()
    return request_id, query.get("RelayState", [""])[0]


def _finish(client: Client, saml_response: str, relay_state: str):
    acs = client.post(
        f"/accounts/saml/{ORG}/acs/", {"SAMLResponse": saml_response, "RelayState": relay_state}
    )
    assert acs.status_code == 302
    return client.get(acs["Location"])


def test_a_signed_assertion_signs_the_person_in_and_maps_their_group(
    saml_settings, idp_keys, people
):
    model = build_model(people["facilitator"], starter="small")
    saml_settings.OPMODEL_SSO_GROUP_ROLES = [f"ops-viewers={model.slug}:viewer"]
    client = Client(HTTP_HOST=HOST)  # python3-saml reads the Host header
    request_id, relay = _start(client)
    assertion = _sign(
        _assertion(request_id, "carol@quokka.example", ["ops-viewers"]), idp_keys["idp"]
    )
    done = _finish(client, _response(request_id, assertion), relay)
    assert done.status_code == 302 and done["Location"] == "/"
    carol = get_user_model().objects.get(email="carol@quokka.example")
    assert client.session["_auth_user_id"] == str(carol.pk)
    assert carol.first_name == "Carol"
    assert role_of(carol, model) == Role.VIEWER


@pytest.mark.parametrize("forgery", ["tampered", "unsigned", "foreign_key", "unsolicited"])
def test_a_forged_or_unsolicited_response_signs_nobody_in(saml_settings, idp_keys, forgery):
    client = Client(HTTP_HOST=HOST)  # python3-saml reads the Host header
    request_id, relay = _start(client)
    if forgery == "unsolicited":
        request_id = "_an-id-this-session-never-sent"
    assertion = _assertion(request_id, "carol@quokka.example", [])
    if forgery == "tampered":  # signed, then the address changed
        signed = _sign(assertion, idp_keys["idp"])
        assertion = signed.replace("carol@quokka.example", "ceo@quokka.example")
    elif forgery == "foreign_key":
        assertion = _sign(assertion, idp_keys["rogue"])
    elif forgery == "unsolicited":
        assertion = _sign(assertion, idp_keys["idp"])
    done = _finish(client, _response(request_id, assertion), relay)
    assert "_auth_user_id" not in client.session
    assert done.status_code in {200, 401, 403}
    assert not get_user_model().objects.filter(email__endswith="@quokka.example").exists()


def test_group_roles_only_raise_a_role_and_are_off_by_default(people, settings):
    model = build_model(people["facilitator"], starter="small")
    assert sso_groups_apply(user=people["viewer"], groups=["anything"]) == []
    settings.OPMODEL_SSO_GROUP_ROLES = [f"ops={model.slug}:viewer", f"leads={model.slug}:editor"]
    assert sso_groups_apply(user=people["viewer"], groups=["ops", "leads"]) == [
        (model.slug, Role.EDITOR)
    ]
    # the facilitator keeps facilitating: a group never lowers a role
    assert sso_groups_apply(user=people["facilitator"], groups=["ops"]) == []
    assert role_of(people["facilitator"], model) == Role.FACILITATOR


def test_a_malformed_group_mapping_is_refused(settings, people):
    from django.core.exceptions import ImproperlyConfigured

    settings.OPMODEL_SSO_GROUP_ROLES = ["ops=quokka:owner"]
    with pytest.raises(ImproperlyConfigured):
        sso_groups_apply(user=people["viewer"], groups=["ops"])


def test_the_service_provider_metadata_is_served(saml_settings):
    response = Client(HTTP_HOST=HOST).get(f"/accounts/saml/{ORG}/metadata/")
    assert response.status_code == 200
    assert ACS.encode() in response.content


def test_roles_from_groups_announce_no_row(small_om, people, settings, captured_events):
    settings.OPMODEL_SSO_GROUP_ROLES = [f"leads={small_om.slug}:facilitator"]
    assert sso_groups_apply(user=people["outsider"], groups=["leads"]) == [
        (small_om.slug, Role.FACILITATOR)
    ]
    assert captured_events == []  # a role is no section's row: nothing for browsers to fetch
