/** One item of the demo's CRUD API. */
export interface Item {
  id: number;
  name: string;
  description: string | null;
  createdAt: string;
}
