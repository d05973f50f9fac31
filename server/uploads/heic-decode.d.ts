/** heic-decode 2.x ships no types: the one call we use (libheif compiled to WebAssembly). */
declare module 'heic-decode' {
  interface DecodedImage {
    readonly width: number;
    readonly height: number;
    /** RGBA, 8 bits a channel, row after row. */
    readonly data: Uint8ClampedArray;
  }
  /** Decodes the primary image of a HEIF/HEIC file. */
  function decode(options: { buffer: ArrayBufferLike | Uint8Array }): Promise<DecodedImage>;
  export default decode;
}
