/** The store folds exactly as the protocol core does: one definition, in `scim/fold-case.ts`. */
export { foldCase as fold } from '../scim/fold-case.js'
