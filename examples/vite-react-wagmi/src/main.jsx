import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { WagmiProvider, createConfig, http, injected } from "wagmi";
import { mainnet } from "wagmi/chains";
import { App } from "./App.jsx";
import "./style.css";

// The injected connector: window.ethereum (MetaMask, Rabby, a test's burner wallet). wagmi adds
// one connector per EIP-6963 wallet too (multiInjectedProviderDiscovery, on by default).
const config = createConfig({
  chains: [mainnet],
  connectors: [injected()],
  transports: { [mainnet.id]: http() },
});

const queryClient = new QueryClient();

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </WagmiProvider>
  </StrictMode>,
);
