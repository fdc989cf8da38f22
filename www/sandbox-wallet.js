// The sandbox wallet: a burner secp256k1 key that lives only in this page, exposed as an
// EIP-1193 provider so the demo works without a browser extension. It signs whatever the page
// asks without a confirmation dialog: never use it, or anything like it, with real funds.

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";

const SANDBOX_CHAIN_ID = "0x1";
const encoder = new TextEncoder();

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex) {
  const clean = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw rpcError(-32602, "personal_sign expects 0x-hex message bytes");
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function rpcError(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/** EIP-55 checksum of a lowercase 0x address. */
export function toChecksumAddress(address) {
  const lower = address.toLowerCase().replace(/^0x/, "");
  const hash = toHex(keccak_256(encoder.encode(lower)));
  let out = "0x";
  for (let i = 0; i < lower.length; i += 1) {
    out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

function addressOf(secretKey) {
  const publicKey = secp256k1.getPublicKey(secretKey, false); // 65 bytes, 0x04 ‖ x ‖ y
  return toChecksumAddress("0x" + toHex(keccak_256(publicKey.slice(1)).slice(-20)));
}

/** EIP-191 personal_sign: keccak256("\x19Ethereum Signed Message:\n" + len + bytes), r‖s‖v, v 27/28. */
export function personalSign(secretKey, messageBytes) {
  const prefix = encoder.encode(`\x19Ethereum Signed Message:\n${messageBytes.length}`);
  const payload = new Uint8Array(prefix.length + messageBytes.length);
  payload.set(prefix);
  payload.set(messageBytes, prefix.length);
  const digest = keccak_256(payload);
  // "recovered": recovery bit first, then r ‖ s (low-s).
  const sig = secp256k1.sign(digest, secretKey, { prehash: false, format: "recovered" });
  const v = sig[0] + 27;
  return "0x" + toHex(sig.slice(1)) + v.toString(16).padStart(2, "0");
}

/** A random US number in E.164 the sandbox accepts (area code and exchange start with 2-9). */
export function randomUsPhone() {
  const d = () => Math.floor(Math.random() * 10);
  const d29 = () => 2 + Math.floor(Math.random() * 8);
  return `+1${d29()}${d()}${d()}${d29()}${d()}${d()}${d()}${d()}${d()}${d()}`;
}

/** A random address nobody holds the key of (for "a user with another wallet"). */
export function randomAddress() {
  return toChecksumAddress("0x" + toHex(crypto.getRandomValues(new Uint8Array(20))));
}

/**
 * Creates a burner wallet. `onSign(message)` is called with each message signed, so the page can
 * show it. Returns `{ address, provider, regenerate() }`; `regenerate` swaps the key and emits
 * `accountsChanged`.
 */
export function createSandboxWallet({ onSign, storageKey } = {}) {
  // With `storageKey`, the burner key is kept in this tab's sessionStorage so that a sign-in
  // interrupted by a reload can be resumed with the same account (a real wallet keeps its
  // accounts; a throw-away sandbox key is the only kind that may live there).
  const saved = storageKey ? sessionStorage.getItem(storageKey) : null;
  let secretKey = saved && /^[0-9a-f]{64}$/.test(saved) ? fromHex(saved) : secp256k1.utils.randomSecretKey();
  let address = addressOf(secretKey);
  const keep = () => { if (storageKey) sessionStorage.setItem(storageKey, toHex(secretKey)); };
  keep();
  let connected = false;
  const listeners = new Map();

  function emit(event, value) {
    for (const listener of listeners.get(event) ?? []) {
      try {
        listener(value);
      } catch (error) {
        console.error("sandbox wallet listener failed", error);
      }
    }
  }

  const provider = {
    isSandboxWallet: true,
    async request({ method, params } = {}) {
      switch (method) {
        case "eth_requestAccounts":
          connected = true;
          return [address];
        case "eth_accounts":
          return connected ? [address] : [];
        case "eth_chainId":
          return SANDBOX_CHAIN_ID;
        case "net_version":
          return "1";
        case "personal_sign": {
          const [message, account] = Array.isArray(params) ? params : [];
          if (typeof message !== "string" || typeof account !== "string") {
            throw rpcError(-32602, "personal_sign expects [message, account]");
          }
          if (account.toLowerCase() !== address.toLowerCase()) {
            throw rpcError(4100, "the sandbox wallet does not hold that account");
          }
          const bytes = fromHex(message);
          onSign?.(new TextDecoder().decode(bytes));
          return personalSign(secretKey, bytes);
        }
        default:
          throw rpcError(4200, `the sandbox wallet does not support ${method}`);
      }
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };

  return {
    provider,
    get address() {
      return address;
    },
    regenerate() {
      secretKey = secp256k1.utils.randomSecretKey();
      address = addressOf(secretKey);
      keep();
      if (connected) emit("accountsChanged", [address]);
      return address;
    },
  };
}

/** What the smart wallet's `eth_getCode` answers: any non-empty bytecode will do. */
const SMART_WALLET_CODE = "0x6080604052348015600f57600080fd5b50";

/**
 * A smart-contract wallet (EIP-1271) at a fresh random address, owned by `owner` (a sandbox
 * wallet): `eth_getCode` answers code, and `personal_sign` is the owner's signature, which is
 * what the sandbox checks for a wallet registered with `POST /sandbox/contract-wallets`.
 */
export function createSmartWallet(owner) {
  const address = randomAddress();
  const provider = {
    isSandboxWallet: true,
    async request({ method, params } = {}) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [address];
        case "eth_getCode":
          return SMART_WALLET_CODE;
        case "personal_sign": {
          const [message, account] = Array.isArray(params) ? params : [];
          if (typeof account !== "string" || account.toLowerCase() !== address.toLowerCase()) {
            throw rpcError(4100, "the smart wallet does not hold that account");
          }
          return owner.provider.request({ method, params: [message, owner.address] });
        }
        default:
          return owner.provider.request({ method, params });
      }
    },
    on() { return provider; },
    removeListener() { return provider; },
  };
  return { address, provider };
}
