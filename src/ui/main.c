/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include <gtk/gtk.h>

#include "hg-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HgApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Nothing here draws with OpenGL: without this GDK's X11 backend loads
   * libGL and Mesa (with LLVM: some 50 MB and tens of ms) at display open
   * only to pick a visual.  A GDK_GL of the user's own is kept. */
  g_setenv ("GDK_GL", "disable", FALSE);

  /* Without a display there is nothing to show: say so in one line and
   * name the command-line equivalent (--help still works). */
  if (!g_strv_contains ((const char * const *) argv, "--help") &&
      !g_strv_contains ((const char * const *) argv, "-h") &&
      !gtk_init_check (NULL, NULL))
    {
      g_printerr (_("hangar: no display to open a window on (is DISPLAY or WAYLAND_DISPLAY set?); "
                    "use hangarctl instead, e.g. “hangarctl list” and “hangarctl start VM”\n"));
      return 1;
    }

  app = hg_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
