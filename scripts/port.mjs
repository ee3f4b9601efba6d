// Ports on localhost: is one taken, and which one is free.
import { createServer } from "node:net";

function listen(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(server));
  });
}

/** Whether something already listens on localhost:port. */
export async function portInUse(port) {
  try {
    const server = await listen(port);
    await new Promise((resolve) => server.close(resolve));
    return false;
  } catch (error) {
    if (error.code === "EADDRINUSE") return true;
    throw error;
  }
}

/** A port that is free on localhost right now. */
export async function freePort() {
  const server = await listen(0);
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The port given as `--port N` or `--port=N` (or --ServerApp.port), or undefined. */
export function requestedPort(args) {
  for (let i = 0; i < args.length; i++) {
    const match = /^--(?:ServerApp\.|NotebookApp\.)?port(?:=(\d+))?$/.exec(args[i]);
    if (match) return Number(match[1] ?? args[i + 1]);
  }
  return undefined;
}
