"""The credential registry: default pair, configured sources, and later lookups."""

from __future__ import annotations

import json

import pytest

from cloudlet.core.credentials import Credential, CredentialRegistry, CredentialsFileError


def test_default_is_the_test_pair_in_account_zero():
    credential = CredentialRegistry.default().lookup("test")
    assert credential is not None
    assert (credential.secret_key, credential.account_id) == ("test", "000000000000")
    assert credential.arn == "arn:aws:iam::000000000000:root"
    assert CredentialRegistry.default().lookup("AKIAANYTHINGELSE") is None


def test_from_env():
    registry = CredentialRegistry.from_env({"CLOUDLET_CREDENTIALS": "AKID1:SECRET1:111111111111, AKID2:SECRET2"})
    assert registry.lookup("AKID1").account_id == "111111111111"
    assert registry.lookup("AKID2").account_id == "000000000000"
    assert registry.lookup("test") is None  # configured keys replace the default pair
    assert CredentialRegistry.from_env({}).lookup("test") is not None
    with pytest.raises(CredentialsFileError):
        CredentialRegistry.from_env({"CLOUDLET_CREDENTIALS": "only-a-key"})


def test_from_json_file(tmp_path):
    path = tmp_path / "creds.json"
    path.write_text(json.dumps([
        {"access_key": "AKIAALICE", "secret_key": "s1", "account_id": "222222222222",
         "arn": "arn:aws:iam::222222222222:user/alice", "user_id": "AIDAALICE"},
        {"access_key": "AKIABOB", "secret_key": "s2"},
    ]))
    registry = CredentialRegistry.from_file(str(path))
    alice = registry.lookup("AKIAALICE")
    assert (alice.arn, alice.user_id, alice.account_id) == ("arn:aws:iam::222222222222:user/alice", "AIDAALICE",
                                                            "222222222222")
    assert registry.lookup("AKIABOB").arn == "arn:aws:iam::000000000000:root"
    assert len(registry) == 2


def test_from_ini_file(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[alice]\naws_access_key_id = AKIAALICE\naws_secret_access_key = s1\n"
                    "account_id = 333333333333\n\n[bob]\naws_access_key_id=AKIABOB\naws_secret_access_key=s2\n")
    registry = CredentialRegistry.from_file(str(path))
    assert registry.lookup("AKIAALICE").account_id == "333333333333"
    assert registry.lookup("AKIABOB").secret_key == "s2"


@pytest.mark.parametrize("content", ['{"not": "a list"}', '[{"access_key": "x"}]', "[section]\nfoo = bar\n",
                                     "not ini at all ["])
def test_bad_files(tmp_path, content):
    path = tmp_path / "creds"
    path.write_text(content)
    with pytest.raises(CredentialsFileError):
        CredentialRegistry.from_file(str(path))


def test_later_lookups_and_their_cache():
    calls = []
    temp = Credential("ASIATEMP", "secret", "444444444444", "arn:aws:sts::444444444444:assumed-role/r/s",
                      "AROA:s", "token", 2e9)

    def lookup(key: str) -> Credential | None:
        calls.append(key)
        return temp if key == "ASIATEMP" else None

    registry = CredentialRegistry.default()
    registry.add_lookup(lookup)
    assert registry.lookup("ASIATEMP") == temp
    assert registry.lookup("ASIATEMP") == temp
    assert calls == ["ASIATEMP"]  # found temporary credentials are remembered
    assert registry.lookup("ASIANOPE") is None
    assert registry.lookup("ASIANOPE") is None
    assert calls.count("ASIANOPE") == 2  # misses are not: another worker may issue the key meanwhile
    assert registry.lookup("test").account_id == "000000000000"
    assert "ASIATEMP" in registry and "nobody" not in registry


def test_fallback_is_the_default_account_root():
    fallback = CredentialRegistry.default().fallback("ANYKEY")
    assert (fallback.access_key, fallback.account_id) == ("ANYKEY", "000000000000")
