/** The admin UI's entry point (bundled by scripts/build-ui.mjs). */
import { render } from 'preact'
import { App } from './app.js'
import { applyTheme } from './theme.js'

applyTheme()
const root = document.getElementById('app')
if (root) {
  root.textContent = ''
  render(<App />, root)
}
