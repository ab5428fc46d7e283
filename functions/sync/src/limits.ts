import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Bounds on a GraphQL document, checked before anything runs, so that no request can make the function
 * do unbounded work. Insomnia's own documents are at most 3 levels deep with no aliases and one
 * operation; these limits leave ample room above that.
 */
export const MAX_DEPTH = 6;
export const MAX_ALIASES = 10;
export const MAX_ROOT_FIELDS = 10;
export const MAX_IDS_PER_CALL = 1000;

/**
 * Depth of a selection set in field levels, following fragment spreads into their definitions (a visitor
 * that counts nesting would start again at 0 inside each fragment). Each fragment's depth is measured once
 * (`measured`), so the walk costs the size of the document: fragments that spread the next one many times
 * over would otherwise cost exponentially many visits. A spread cycle (refused by graphql-js's own
 * NoFragmentCycles rule) counts as depth 0 while it is being measured, which keeps the walk finite.
 */
function depthOf(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, measured: Map<string, number>): number {
  let deepest = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) deepest = Math.max(deepest, sel.selectionSet ? 1 + depthOf(sel.selectionSet, fragments, measured) : 0);
    else if (sel.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(sel.selectionSet, fragments, measured));
    else deepest = Math.max(deepest, fragmentDepth(sel.name.value, fragments, measured));
  }
  return deepest;
}

function fragmentDepth(name: string, fragments: Map<string, FragmentDefinitionNode>, measured: Map<string, number>): number {
  const known = measured.get(name);
  if (known !== undefined) return known;
  const fragment = fragments.get(name);
  if (!fragment) return 0;
  measured.set(name, 0);
  const depth = depthOf(fragment.selectionSet, fragments, measured);
  measured.set(name, depth);
  return depth;
}

const depthLimit: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Document(node) {
    const fragments = fragmentsOf(node);
    const measured = new Map<string, number>();
    for (const op of node.definitions) {
      if (op.kind !== Kind.OPERATION_DEFINITION) continue;
      if (1 + depthOf(op.selectionSet, fragments, measured) > MAX_DEPTH) context.reportError(new GraphQLError(`query is deeper than ${MAX_DEPTH} levels`, { nodes: [op] }));
    }
  },
});

function fragmentsOf(node: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(node.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
}

const aliasLimit: ValidationRule = (context: ValidationContext): ASTVisitor => {
  let aliases = 0;
  return {
    Field(node) {
      if (node.alias && ++aliases === MAX_ALIASES + 1) context.reportError(new GraphQLError(`more than ${MAX_ALIASES} aliases`, { nodes: [node] }));
    },
  };
};

/** Root fields of a selection set by name, counting through fragments (which would otherwise hide them). */
function rootFields(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) names.push(sel.name.value);
    else if (sel.kind === Kind.INLINE_FRAGMENT) names.push(...rootFields(sel.selectionSet, fragments, seen));
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment = fragments.get(sel.name.value);
      if (fragment) names.push(...rootFields(fragment.selectionSet, fragments, seen));
    }
  }
  return names;
}

/**
 * Fields whose answer or work grows with their lists (blobs, ids, snapshots): at most one of each per
 * request. Aliases would otherwise repeat one large list variable up to MAX_ROOT_FIELDS times and multiply
 * the answer (a 100,000-id blobsMissing ten times over is 80 MB). Clients send one root field per request.
 */
export const LIST_FIELDS = ['blobs', 'blobsMissing', 'snapshots', 'blobsCreate', 'snapshotsCreate', 'projectShare', 'teamMemberKeys', 'projectShareInstructions'];

const oneOperation: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Document(node) {
    const operations = node.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1) context.reportError(new GraphQLError('send exactly one operation per request'));
    const fragments = fragmentsOf(node);
    for (const op of operations) {
      const names = rootFields(op.selectionSet, fragments);
      if (names.length > MAX_ROOT_FIELDS) context.reportError(new GraphQLError(`more than ${MAX_ROOT_FIELDS} fields in one operation`));
      const repeated = LIST_FIELDS.filter((f) => names.filter((n) => n === f).length > 1);
      if (repeated.length) context.reportError(new GraphQLError(`${repeated.join(', ')} may be asked once per request: send one request per list`));
    }
  },
});

/**
 * The schema is the wire contract (docs/protocol.md §5), fixed and public in this repository; clients never
 * ask for it, so `__schema` and `__type` are refused like any field the schema does not have.
 */
export const LIMIT_RULES: readonly ValidationRule[] = [oneOperation, depthLimit, aliasLimit, NoSchemaIntrospectionCustomRule];
