"""A stand-in for WeChat's server, for the `wechat` channel's tests: it builds the XML WeChat POSTs for what a
volunteer sends an Official Account, signs each request as WeChat does (query parameters `signature`,
`timestamp`, `nonce`: signature = SHA-1 of the token, timestamp and nonce sorted and joined), posts it to
the Rasa server's /webhooks/wechat/webhook, and reads the passive reply. Written from WeChat's documented
format, not with wechatpy, so the channel is checked against the format rather than against itself.

Safe mode (SafeWeChat): the message is AES-256-CBC encrypted under the account's EncodingAESKey, as WeChat
documents it, and signed once more with `msg_signature` (the encrypted text joins the sort); the reply
comes back encrypted and signed the same way."""
from __future__ import annotations

import base64
import hashlib
import secrets
import struct
import socket
import time
import urllib.parse
from typing import Optional, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import requests
import xmltodict

ACCOUNT = "gh_0123456789ab"  # the Official Account's own id, WeChat's ToUserName


def new_openid() -> str:
    """An OpenID as WeChat gives one: 28 letters, digits, - and _, beginning with o."""
    return "o" + secrets.token_urlsafe(21)[:27]


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class WeChat:
    def __init__(self, rasa_url: str, token: str):
        self.url = f"{rasa_url}/webhooks/wechat/webhook"
        self.token = token
        self._msg_id = int(time.time()) * 1_000_000 + secrets.randbelow(1_000_000)

    def signature(self, timestamp: str, nonce: str, token: Optional[str] = None) -> str:
        joined = "".join(sorted([token or self.token, timestamp, nonce]))
        return hashlib.sha1(joined.encode()).hexdigest()

    def params(self, openid: Optional[str] = None, timestamp: Optional[int] = None, token: Optional[str] = None,
               **extra: str) -> dict:
        stamp, nonce = str(int(time.time()) if timestamp is None else timestamp), str(secrets.randbelow(10**9))
        params = {"signature": self.signature(stamp, nonce, token), "timestamp": stamp, "nonce": nonce}
        if openid:
            params["openid"] = openid
        return {**params, **extra}

    def verify(self, echostr: str, **signing) -> requests.Response:
        """WeChat's check of the server URL, when it is entered in the account's console."""
        return requests.get(self.url, params={**self.params(**signing), "echostr": echostr}, timeout=10)

    def next_msg_id(self) -> int:
        self._msg_id += 1
        return self._msg_id

    @staticmethod
    def xml(openid: str, msg_type: str, fields: dict, created: Optional[int] = None) -> str:
        body = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
        return (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
                f"<CreateTime>{created or int(time.time())}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>"
                f"{body}</xml>")

    def text_xml(self, openid: str, content: str, msg_id: Optional[int] = None) -> str:
        return self.xml(openid, "text", {"Content": cdata(content), "MsgId": msg_id or self.next_msg_id()})

    def image_xml(self, openid: str) -> str:
        return self.xml(openid, "image", {"PicUrl": cdata("http://mmbiz.example/pic.jpg"),
                                          "MediaId": cdata("media_" + secrets.token_hex(8)),
                                          "MsgId": self.next_msg_id()})

    def event_xml(self, openid: str, event: str, created: Optional[int] = None) -> str:
        return self.xml(openid, "event", {"Event": cdata(event), "EventKey": cdata("")}, created)

    def post(self, openid: str, xml: str, timeout: float = 30, params: Optional[dict] = None) -> requests.Response:
        return requests.post(self.url, params=params or self.params(openid), data=xml.encode("utf-8"),
                             headers={"Content-Type": "text/xml"}, timeout=timeout)

    def hang_up(self, openid: str, xml: str) -> None:
        """Send a message and hang up without reading the answer, as WeChat does when it has waited 5 s."""
        address = urllib.parse.urlsplit(self.url)
        body = xml.encode("utf-8")
        request = (f"POST {address.path}?{urllib.parse.urlencode(self.params(openid))} HTTP/1.1\r\n"
                   f"Host: {address.netloc}\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
                   f"Connection: close\r\n\r\n").encode("ascii") + body
        with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
            connection.sendall(request)

    def say(self, openid: str, content: str, msg_id: Optional[int] = None) -> str:
        """A volunteer's text message; returns the text of the bot's passive reply."""
        response = self.post(openid, self.text_xml(openid, content, msg_id))
        response.raise_for_status()
        return reply_text(response, openid)


def reply_text(response: requests.Response, openid: str) -> str:
    """The text of a passive reply ("" for WeChat's "success": nothing to show), checked to be addressed to
    the volunteer from the account, as WeChat requires."""
    if response.text == "success":
        return ""
    reply = xmltodict.parse(response.text)["xml"]
    assert reply["MsgType"] == "text" and reply["ToUserName"] == openid and reply["FromUserName"] == ACCOUNT
    assert abs(int(reply["CreateTime"]) - time.time()) < 60
    return reply["Content"]



def new_encoding_aes_key() -> str:
    """An EncodingAESKey as the console makes one: 43 characters, base64 of 32 bytes without its "="."""
    return base64.b64encode(secrets.token_bytes(32)).decode()[:43]


def sha1_of_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class SafeWeChat(WeChat):
    """WeChat in safe mode (消息加解密方式: 安全模式)."""

    def __init__(self, url: str, token: str, appid: str, encoding_aes_key: str):
        super().__init__(url, token)
        self.appid = appid
        self.key = base64.b64decode(encoding_aes_key + "=")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str) -> str:
        """random(16) + length (4 bytes, big-endian) + message + AppID, PKCS#7-padded to 32 bytes, base64."""
        plain = secrets.token_bytes(16) + struct.pack(">I", len(xml.encode())) + xml.encode() + self.appid.encode()
        pad = 32 - len(plain) % 32
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> Tuple[str, str]:
        """(message, AppID) of an encrypted text."""
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        plain = plain[:-plain[-1]]
        length = struct.unpack(">I", plain[16:20])[0]
        return plain[20:20 + length].decode(), plain[20 + length:].decode()

    def post_encrypted(self, openid: str, xml: str, msg_signature: Optional[str] = None,
                       timeout: float = 30) -> requests.Response:
        encrypted = self.encrypt(xml)
        params = self.params(openid, encrypt_type="aes")
        params["msg_signature"] = msg_signature or sha1_of_sorted(self.token, params["timestamp"], params["nonce"],
                                                                  encrypted)
        body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return self.post(openid, body, timeout, params)

    def reply_of(self, response: requests.Response, openid: str) -> str:
        """The text of an encrypted reply, once its signature is checked and it is decrypted."""
        envelope = xmltodict.parse(response.text)["xml"]
        assert envelope["MsgSignature"] == sha1_of_sorted(self.token, envelope["TimeStamp"], envelope["Nonce"],
                                                          envelope["Encrypt"])
        xml, appid = self.decrypt(envelope["Encrypt"])
        assert appid == self.appid
        inner = requests.Response()
        inner._content = xml.encode()
        return reply_text(inner, openid)
