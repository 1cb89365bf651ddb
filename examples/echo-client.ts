/**
 * A client of the echo servers: sends each argument as a message, all at once
 * through a pool of connections, and prints the echoes in order.
 *   bun examples/echo-client.ts 127.0.0.1:8060 hello world        (TCP, pool of 4)
 *   bun examples/echo-client.ts --udp 127.0.0.1:8060 hello world  (UDP)
 */
import { EchoClient, EchoUdpClient } from "../apps/echo/client.ts";

const args = process.argv.slice(2);
const udp = args[0] === "--udp";
const [address = "127.0.0.1:8060", ...messages] = udp ? args.slice(1) : args;
if (!messages.length) messages.push("Hello World!");

if (udp) {
  const client = new EchoUdpClient(address);
  for (const m of messages) console.log(`echo: ${await client.send(m)}`);
  console.log(`quit: ${JSON.stringify(await client.quit())}`);
  client.close();
} else {
  const client = new EchoClient(address, { pool: 4 });
  const echoes = await Promise.all(messages.map((m) => client.send(m)));
  for (const e of echoes) console.log(`echo: ${e}`);
  console.log(`through ${client.size} pooled connection(s)`);
  await client.close();
}
