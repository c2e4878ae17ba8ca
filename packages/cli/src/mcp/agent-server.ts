import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { networkDomain } from '@idlegrid/protocol';
import { apiKeyAccount, CoordinatorClient, connect, type NetworkConfig, parseApiKey } from '@idlegrid/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type AgentContext, registerAgentTools } from './agent-tools.js';
import { SpendingLedger, type SpendingPolicy } from './spending-policy.js';

export interface AgentServerOptions {
  dataDir: string;
  network: NetworkConfig;
  coordinatorUrl: string;
  /** The agent's wallet: an API key, a capped session key of its client's channel. */
  apiKey: string;
  policy: SpendingPolicy;
  /** Names the agent's spending ledger (DATA_DIR/agents/NAME.json). */
  name: string;
}

/** The agent's context: it signs as its client with the session key, so the chain caps what it can ever spend. */
export function agentContext(options: AgentServerOptions): AgentContext {
  const key = parseApiKey(options.apiKey);
  const session = apiKeyAccount(key);
  return {
    coordinatorUrl: options.coordinatorUrl,
    jobs: {
      coordinator: new CoordinatorClient({ url: options.coordinatorUrl }),
      signer: { address: key.client, signTypedData: (typed) => session.signTypedData(typed) },
      domain: networkDomain(options.network.chainId, options.network.paymentChannels),
    },
    chain: connect(options.network),
    apiKey: options.apiKey,
    client: key.client,
    ledger: new SpendingLedger(join(options.dataDir, 'agents', `${options.name}.json`), options.policy),
  };
}

function mcpServerFor(agent: AgentContext): McpServer {
  const server = new McpServer({ name: 'idlegrid', version: '0.1.0' });
  registerAgentTools(server, agent);
  return server;
}

/** Serves the agent's tools on stdin and stdout until the client closes them. */
export async function serveStdio(agent: AgentContext): Promise<void> {
  const server = mcpServerFor(agent);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  await closed;
}

/**
 * Serves the agent's tools over streamable HTTP at `/mcp` (stateless: each request gets its own
 * server and transport, so that clients never share a session). Resolves once listening.
 */
export async function serveHttp(
  agent: AgentContext,
  listen: { host: string; port: number },
): Promise<{ url: string; server: Server }> {
  const http = createServer((request, response) => {
    void (async () => {
      if (request.url !== '/mcp' || request.method !== 'POST') {
        response.writeHead(request.url === '/mcp' ? 405 : 404).end();
        return;
      }
      const server = mcpServerFor(agent);
      // No session id generator: stateless.
      const transport = new StreamableHTTPServerTransport({});
      response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request, response, await jsonBody(request));
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(listen.port, listen.host, resolve));
  const address = http.address() as { port: number };
  return { url: `http://${listen.host}:${address.port}/mcp`, server: http };
}

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > 4 * 2 ** 20) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
