/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-flatpak"
#include "config.h"

/*
 * hangar-host-spawn — inside the Flatpak sandbox, /app/libexec/hangar/host/
 * holds symlinks named like the host tools (qemu-system-x86_64, qemu-img …)
 * pointing here; HANGAR_QEMU_DIR names that folder.  This program runs the
 * host's tool of the same name through `flatpak-spawn --host`, passing the
 * argument vector on unchanged: no shell on either side.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

int
main (int   argc,
      char *argv[])
{
  g_autofree char *name = g_path_get_basename (argv[0]);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  if (g_str_equal (name, "hangar-host-spawn"))
    {
      g_printerr ("hangar-host-spawn: run me through a symlink named like the host "
                  "program (e.g. qemu-system-x86_64), not directly\n");
      return 2;
    }

  g_ptr_array_add (args, (char *) "flatpak-spawn");
  g_ptr_array_add (args, (char *) "--host");
  /* No --watch-bus: the host process must outlive hangar, as VMs
   * outlive the window. */
  g_ptr_array_add (args, name);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);

  execvp ("flatpak-spawn", (char **) args->pdata);
  g_printerr ("hangar-host-spawn: cannot run flatpak-spawn for %s: %s\n",
              name, g_strerror (errno));
  return 127;
}
