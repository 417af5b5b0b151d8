"""Validation rules and the domain objects: every rule accepts what it should, rejects the
rest with a message naming the field and the rule, and never echoes the rejected value."""

from __future__ import annotations

import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armstui import model
from armstui.credentials import StsSession, VaultKey
from armstui.model import Account, Credentials, InvalidInput
from armstui.secrets import redaction

FEW = settings(max_examples=150, deadline=None)

# (validator, field, reference regex straight from the rule's wording)
RULES = [
    (model.validate_uid, "uid", r"[0-9]{16}"),
    (model.validate_alias, "alias", r"[a-z][a-z0-9_-]{0,31}"),
    (model.validate_user_name, "user name", r"[A-Za-z0-9._-]{1,64}"),
    (model.validate_role_name, "role name", r"[A-Za-z0-9-]{1,64}"),
    (model.validate_session_name, "session name", r"[A-Za-z0-9.@_-]{2,64}"),
    (
        model.validate_access_key_id,
        "access key ID",
        r"LTAI[A-Za-z0-9]{12,28}|STS\.[A-Za-z0-9]{8,128}",
    ),
    (model.validate_role_arn, "role ARN", r"acs:ram::[0-9]{16}:role/[A-Za-z0-9-]{1,64}"),
]

# Text mostly from the characters the rules care about, so both outcomes are common.
near = st.text(alphabet=st.sampled_from("aZ09-_.@:/ LTAISacsrmole\u00e9"), max_size=70)


@pytest.mark.parametrize(("validate", "field", "pattern"), RULES, ids=[r[1] for r in RULES])
@FEW
@given(value=near)
def test_each_rule_matches_its_reference(validate, field, pattern, value: str) -> None:
    if re.fullmatch(pattern, value, flags=re.ASCII):
        assert validate(value) == value
    else:
        with pytest.raises(InvalidInput) as info:
            validate(value)
        message = str(info.value)
        assert message.startswith(f"{field}: must ")
        # the value itself is never shown, only described: its length and a character class
        assert re.search(
            r" \(got (nothing|\d+ characters?(, (an? [a-z -]+|'.') at position \d+)?)\)$", message
        )


@FEW
@given(st.from_regex(r"[0-9]{16}", fullmatch=True))
def test_sixteen_digits_is_a_uid(uid: str) -> None:
    assert model.validate_uid(uid) == uid


@FEW
@given(st.from_regex(r"[0-9]{2,15}|[0-9]{17,20}", fullmatch=True))
def test_other_lengths_are_not(uid: str) -> None:
    with pytest.raises(
        InvalidInput, match=rf"^uid: must be 16 digits \(got {len(uid)} characters\)$"
    ):
        model.validate_uid(uid)


@FEW
@given(st.from_regex(r"LTAI[A-Za-z0-9]{12,28}", fullmatch=True))
def test_access_key_ids_like_the_real_and_the_sandbox_ones(key_id: str) -> None:
    assert model.validate_access_key_id(key_id) == key_id


def test_the_sandbox_issues_valid_access_key_ids() -> None:
    from armstui.sandbox import iam

    assert model.validate_access_key_id(iam.new_access_key_id())


@pytest.mark.parametrize("region", sorted(model.KNOWN_REGIONS))
def test_known_regions_are_accepted(region: str) -> None:
    assert model.validate_region(region) == region


@pytest.mark.parametrize("region", ["cn-newcity", "ap-southeast-9", "xx-yy-zz-12"])
def test_region_shaped_names_are_accepted(region: str) -> None:
    assert model.validate_region(region) == region


@pytest.mark.parametrize(
    "region",
    ["", "cn", "CN-hangzhou", "cn_hangzhou", "cn-hangzhou-", "1-east", "cn--x", "cn-hangzhou-1-2"],
)
def test_malformed_regions_are_refused(region: str) -> None:
    with pytest.raises(InvalidInput, match=r"^region: must be a region ID such as cn-hangzhou"):
        model.validate_region(region)


def test_the_message_describes_the_first_bad_character() -> None:
    with pytest.raises(InvalidInput) as info:
        model.validate_alias("prod A")
    assert str(info.value) == (
        "alias: must be 1-32 of a-z, 0-9, '-', '_', starting with a letter "
        "(got 6 characters, a space at position 5)"
    )
    assert (info.value.field, info.value.got) == ("alias", "6 characters, a space at position 5")


def test_a_secret_pasted_into_the_wrong_field_is_not_echoed() -> None:
    secret = "Ab3" + secrets.token_hex(14)  # shaped like an AccessKey secret
    for validate in (
        model.validate_uid,
        model.validate_access_key_id,
        model.validate_alias,
        model.validate_region,
        model.validate_role_arn,
    ):
        with pytest.raises(InvalidInput) as info:
            validate(secret)
        assert secret not in str(info.value)
        assert secret[:6] not in str(info.value)


def test_a_custom_field_name_is_used() -> None:
    with pytest.raises(InvalidInput, match=r"^--role-name: must be 1-64 of letters, digits, '-'"):
        model.validate_role_name("arms_admin", field="--role-name")


def test_role_arn_uid() -> None:
    assert model.role_arn_uid("acs:ram::1234567890123456:role/arms-admin") == "1234567890123456"


def test_account_is_validated_on_creation() -> None:
    account = Account("prod-a", "1234567890123456", credential=VaultKey("LTAI1234567890abcd"))
    assert account.region == "cn-hangzhou" and account.production is False
    with pytest.raises(InvalidInput, match="^uid: "):
        Account("prod-a", "12345")
    with pytest.raises(InvalidInput, match="^alias: "):
        Account("Prod", "1234567890123456")
    with pytest.raises(InvalidInput, match="^region: "):
        Account("prod", "1234567890123456", region="hangzhou")


def test_credentials_never_show_their_secrets() -> None:
    secret, token = secrets.token_urlsafe(22), "CAIS" + secrets.token_urlsafe(60)
    creds = Credentials("LTAI1234567890abcdef", secret, token)
    session = StsSession(creds, role_arn="acs:ram::1234567890123456:role/arms-admin")
    for text in (
        repr(creds),
        str(creds),
        f"{creds}",
        repr([creds]),
        repr(session),
        repr(Account("sts", "1234567890123456", credential=session)),
    ):
        assert secret not in text and token not in text
        assert "LTAI…cdef" in text
    assert creds.access_key_secret == secret  # still usable by the cloud layer
    # and the redactor learnt both on creation
    assert redaction.redact(f"x {secret} y {token}") == "x **** y ****"


def test_the_account_modules_import_no_ui_and_no_sdk() -> None:
    """Layering (DESIGN.md), transitively: and the first screen does not pay for SDK imports."""
    import subprocess
    import sys

    code = (
        "import sys, armstui.model, armstui.credentials, armstui.profiles, armstui.vault, armstui.secrets.file_vault\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'Tea', 'darabonba')"
        " or m.startswith('alibabacloud_'))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
