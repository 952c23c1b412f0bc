/** Every value of an async iterable, in order (Node 20 has no `Array.fromAsync`). */
export async function collect<T>(values: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const value of values) all.push(value);
  return all;
}
