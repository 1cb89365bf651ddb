// Files imported `with { type: "file" }` resolve to a path that Bun.file() reads (embedded in the binary).
declare module "*.png" {
  const path: string;
  export default path;
}
declare module "*.jpeg" {
  const path: string;
  export default path;
}
declare module "*.webp" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
