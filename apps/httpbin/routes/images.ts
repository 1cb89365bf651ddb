/** /image (by Accept) and /image/{png,jpeg,webp,svg}: the assets are embedded in the binary. */
import { Hono } from "hono";
import jpeg from "../assets/pig.jpeg" with { type: "file" };
import png from "../assets/pig.png" with { type: "file" };
import svg from "../assets/pig.svg" with { type: "file" };
import webp from "../assets/pig.webp" with { type: "file" };

/** In python-httpbin's order of preference for /image: the first type Accept names wins. */
const IMAGES: Record<string, [string, string]> = {
  webp: [webp, "image/webp"],
  svg: [svg, "image/svg+xml"],
  jpeg: [jpeg, "image/jpeg"],
  png: [png, "image/png"],
};

const serve = (kind: string) => {
  const [path, type] = IMAGES[kind] as [string, string];
  return new Response(Bun.file(path), { headers: { "content-type": type } });
};

export const images = new Hono();

images.get("/image", (c) => {
  // As python-httpbin: no Accept is a PNG, and so is image/*; */* alone names no image type (406).
  const accept = c.req.header("accept")?.toLowerCase();
  if (!accept) return serve("png");
  for (const [kind, [, type]] of Object.entries(IMAGES)) if (accept.includes(type)) return serve(kind);
  if (accept.includes("image/*")) return serve("png");
  return c.json(
    {
      message: "Client did not request a supported media type.",
      accept: ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"],
    },
    406,
  );
});
images.get("/image/:kind{png|jpeg|webp|svg}", (c) => serve(c.req.param("kind")));
