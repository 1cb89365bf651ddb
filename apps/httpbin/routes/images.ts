/** /image (by Accept) and /image/{png,jpeg,webp,svg}: the assets are embedded in the binary. */
import { Hono } from "hono";
import jpeg from "../assets/pig.jpeg" with { type: "file" };
import png from "../assets/pig.png" with { type: "file" };
import svg from "../assets/pig.svg" with { type: "file" };
import webp from "../assets/pig.webp" with { type: "file" };

const IMAGES: Record<string, [string, string]> = {
  png: [png, "image/png"],
  jpeg: [jpeg, "image/jpeg"],
  webp: [webp, "image/webp"],
  svg: [svg, "image/svg+xml"],
};

const serve = (kind: string) => {
  const [path, type] = IMAGES[kind] as [string, string];
  return new Response(Bun.file(path), { headers: { "content-type": type } });
};

export const images = new Hono();

images.get("/image", (c) => {
  const accept = c.req.header("accept") ?? "";
  for (const [kind, [, type]] of Object.entries(IMAGES)) if (accept.includes(type)) return serve(kind);
  if (accept.includes("image/*") || accept === "" || accept.includes("*/*")) return serve("png");
  return c.json(
    {
      message: "Client did not request a supported media type.",
      accept: ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"],
    },
    406,
  );
});
images.get("/image/:kind{png|jpeg|webp|svg}", (c) => serve(c.req.param("kind")));
