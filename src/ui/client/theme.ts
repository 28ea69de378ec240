/**
 * Light and dark themes: the system's choice (prefers-color-scheme) unless the user picked
 * one with the toggle, which is remembered in this browser. styles.css reads data-theme.
 */
export type Theme = 'light' | 'dark'

const KEY = 'roster-theme'

function stored(): Theme | undefined {
  try {
    const value = localStorage.getItem(KEY)
    return value === 'light' || value === 'dark' ? value : undefined
  } catch {
    return undefined
  }
}

export function currentTheme(): Theme {
  return stored() ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')
}

export function applyTheme(theme: Theme = currentTheme()): void {
  document.documentElement.dataset.theme = theme
}

export function setTheme(theme: Theme): void {
  try {
    localStorage.setItem(KEY, theme)
  } catch {
    // Private windows may refuse storage: the choice then lasts until the page is left.
  }
  applyTheme(theme)
}
