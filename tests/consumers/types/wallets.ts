// The providers a dapp already holds, passed as `provider` without a cast: viem's
// `EIP1193Provider`, wagmi connectors' providers (`await connector.getProvider()`), ethers v6's
// `Eip1193Provider`, `window.ethereum` as viem types it; and the other way round, a wallet from
// `discoverWallets` handed to viem's and ethers' own wrappers. Type-checked only.
import { BrowserProvider, type Eip1193Provider as EthersEip1193Provider } from "ethers";
import { createWalletClient, custom, type EIP1193Provider as ViemEIP1193Provider } from "viem";
import "viem/window";
import { injected, mock, type Connector } from "wagmi";
import { RatioAuth, discoverWallets, type EIP1193Provider, type RatioAuthPrompts } from "ratio-auth";

declare const auth: RatioAuth;
declare const prompts: RatioAuthPrompts;

export async function viemProvider(provider: ViemEIP1193Provider): Promise<void> {
  await auth.signIn({ provider, prompts });
  const asOurs: EIP1193Provider = provider;
  void asOurs;
}

export async function windowEthereum(): Promise<void> {
  if (window.ethereum) await auth.signIn({ provider: window.ethereum, prompts });
}

/** The connector object wagmi builds from a connector function (what `useConnection().connector` is, typed). */
type ConnectorFrom<F extends (...args: never[]) => (...args: never[]) => unknown> = ReturnType<ReturnType<F>>;

export async function wagmiInjected(connector: ConnectorFrom<typeof injected>): Promise<void> {
  const provider = await connector.getProvider();
  if (provider) await auth.signIn({ provider, prompts });
}

export async function wagmiMock(connector: ConnectorFrom<typeof mock>): Promise<void> {
  const provider = await connector.getProvider();
  await auth.signIn({ provider, prompts });
}

export async function wagmiAnyConnector(connector: Connector): Promise<void> {
  // A connector of unknown type (wagmi's `Connector`) types its provider as `unknown`: the app
  // must say what it is. Refused as is, so `provider` is no `any`.
  const provider = await connector.getProvider();
  // @ts-expect-error wagmi's generic Connector's provider is unknown
  await auth.signIn({ provider, prompts });
  await auth.signIn({ provider: provider as EIP1193Provider, prompts });
}

export async function ethersProvider(provider: EthersEip1193Provider): Promise<void> {
  await auth.signIn({ provider, prompts });
}

/** One wallet for both: the discovered provider drives viem and ethers too. */
export async function discoveredIntoLibraries(): Promise<void> {
  const [wallet] = await discoverWallets();
  if (!wallet) return;
  const client = createWalletClient({ transport: custom(wallet.provider) });
  const browser = new BrowserProvider(wallet.provider);
  console.log(client.uid, await browser.getNetwork());
}
