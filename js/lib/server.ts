// Optional Jupyter server extension (ipyartifacts.widgets._server): where it answers, files
// download from the server by URL instead of through the kernel. Probed once per page.

export interface JupyterServer {
  /** Base URL ("/", "/user/x/") whose ipyartifacts/ routes answer. */
  base: string;
  /** Auth headers as JupyterLab itself sends them (token from the page config, if any). */
  headers: Record<string, string>;
}

let probe: Promise<JupyterServer | null> | null = null;

/** The Jupyter server hosting this page, if the extension answers there (else null). */
export function jupyterServer(): Promise<JupyterServer | null> {
  if (!probe) probe = findServer();
  return probe;
}

async function findServer(): Promise<JupyterServer | null> {
  const config = document.getElementById("jupyter-config-data");
  if (!config?.textContent) return null;
  let parsed: { baseUrl?: unknown; token?: unknown };
  try {
    parsed = JSON.parse(config.textContent) as { baseUrl?: unknown; token?: unknown };
  } catch {
    return null;
  }
  const base = parsed.baseUrl;
  if (typeof base !== "string" || !base.startsWith("/")) return null;
  const root = base.endsWith("/") ? base : `${base}/`;
  const headers: Record<string, string> =
    typeof parsed.token === "string" && parsed.token ? { Authorization: `token ${parsed.token}` } : {};
  try {
    const response = await fetch(`${root}ipyartifacts/ping`, { credentials: "same-origin", headers });
    return response.ok ? { base: root, headers } : null;
  } catch {
    return null;
  }
}

/** Fetch a file from the extension (streamed by the server, never through the kernel). */
export async function fetchFromServer(server: JupyterServer, href: string): Promise<Blob | null> {
  try {
    const response = await fetch(`${server.base}${href}`, { credentials: "same-origin", headers: server.headers });
    return response.ok ? await response.blob() : null;
  } catch {
    return null;
  }
}
