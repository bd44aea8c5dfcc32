import { IdleList, type IdleNode } from './idle-list.js';

/** A node that counts how often its links are read, to show what an operation visits. */
class Node implements IdleNode<Node> {
  static reads = 0;
  private prev: Node | undefined = undefined;
  private next: Node | undefined = undefined;
  constructor(readonly id: number) {}
  get idlePrev(): Node | undefined {
    Node.reads++;
    return this.prev;
  }
  set idlePrev(node: Node | undefined) {
    this.prev = node;
  }
  get idleNext(): Node | undefined {
    Node.reads++;
    return this.next;
  }
  set idleNext(node: Node | undefined) {
    this.next = node;
  }
}

const ids = (list: IdleList<Node>): number[] => list.toArray().map((n) => n.id);

describe('IdleList', () => {
  it('pushes, pops the newest and shifts the oldest', () => {
    const list = new IdleList<Node>();
    const nodes = [1, 2, 3, 4].map((id) => new Node(id));
    for (const n of nodes) list.push(n);
    expect(list.pop()?.id).toBe(4);
    expect(list.shift()?.id).toBe(1);
    expect(ids(list)).toEqual([2, 3]);
    expect(list.length).toBe(2);
    list.pop();
    list.pop();
    expect(list.pop()).toBeUndefined();
    expect(list.shift()).toBeUndefined();
    expect(list.length).toBe(0);
  });

  it('removes any member in constant work, whatever the length (shrinking 16k idle resources is linear)', () => {
    for (const size of [16, 16_384]) {
      const list = new IdleList<Node>();
      const nodes = Array.from({ length: size }, (_, i) => new Node(i));
      for (const n of nodes) list.push(n);
      Node.reads = 0;
      list.remove(nodes[size >> 1]);
      list.remove(nodes[0]);
      list.remove(nodes[size - 1]);
      // Each removal reads its own two links only.
      expect(Node.reads).toBe(6);
      expect(list.length).toBe(size - 3);
    }
  });

  it('keeps the order of the rest, and removing a node twice or one never pushed changes nothing', () => {
    const list = new IdleList<Node>();
    const nodes = [0, 1, 2, 3, 4, 5].map((id) => new Node(id));
    for (const n of nodes) list.push(n);
    expect(list.removeWhere((n) => n.id % 2 === 0).map((n) => n.id)).toEqual([0, 2, 4]);
    list.remove(nodes[2]);
    list.remove(new Node(9));
    expect(ids(list)).toEqual([1, 3, 5]);
    expect(list.length).toBe(3);
    list.remove(nodes[3]);
    list.push(nodes[0]);
    expect(ids(list)).toEqual([1, 5, 0]);
  });
});
