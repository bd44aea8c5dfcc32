/** Keeps the last `limit` bytes of a stream: a child that floods its output never grows our memory. */
export class OutputBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private total = 0;

  constructor(private readonly limit: number) {}

  /** Appends a chunk and drops the oldest bytes beyond the limit. */
  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const head = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.size -= excess;
      }
    }
  }

  /** Bytes currently held (never above the limit). */
  get bytes(): number {
    return this.size;
  }

  /** Every byte ever seen, kept or dropped. */
  get totalBytes(): number {
    return this.total;
  }

  /** The kept tail as UTF-8 text. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
