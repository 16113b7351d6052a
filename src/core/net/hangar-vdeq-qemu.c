/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vdeq"
#include "config.h"

/* hangar-vdeq-qemu — lets vde2's vdeq (the manual's vdeqemu) start a QEMU
 * of today.
 *
 * Hangar runs   vdeq hangar-vdeq-qemu /usr/bin/qemu-system-ARCH ARGS...
 * with "-net vde,vlan=N,sock=PATH" among ARGS.  vdeq opens the switch plug
 * itself, relays its packets over a datagram socket pair, and execs us with
 * that argument rewritten to "-net tap,vlan=N,fd=FD".  QEMU dropped vlan= in
 * 3.0 and refuses a socket as a tap fd, so we turn it into
 * "-netdev dgram,id=vdeqN,local.type=fd,local.str=FD", which the NIC that
 * Hangar put on the command line (netdev=vdeqN) uses, and exec QEMU.
 * vdeq first runs "us -h" and reads "version X.Y.Z" to pick its syntax.
 * No shell, no PATH look-up: the emulator must be an absolute path. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

static gboolean
parse_tap_arg (const char *arg,
               guint64    *vlan,
               guint64    *fd)
{
  const char *p = arg + strlen ("tap,vlan=");
  char *end = NULL;

  *vlan = g_ascii_strtoull (p, &end, 10);
  if (end == p || !g_str_has_prefix (end, ",fd="))
    return FALSE;
  p = end + strlen (",fd=");
  *fd = g_ascii_strtoull (p, &end, 10);
  if (end == p || *end != '\0' || *vlan > 64 || *fd > 65535)
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *base = NULL;
  const char *emulator;

  if (argc == 2 && (g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "--help") ||
                    g_str_equal (argv[1], "--version")))
    {
      printf ("hangar-vdeq-qemu version 1.0.0 (QEMU adapter for vdeq)\n");
      return 0;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: vdeq hangar-vdeq-qemu /path/to/qemu-system-ARCH ARGS...\n");
      return 2;
    }

  emulator = argv[1];
  base = g_path_get_basename (emulator);
  if (!g_path_is_absolute (emulator) || !g_str_has_prefix (base, "qemu-system-"))
    {
      fprintf (stderr, "hangar-vdeq-qemu: %s is not an absolute path to a qemu-system-* "
               "emulator\n", emulator);
      return 2;
    }

  args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup (emulator));
  for (int i = 2; i < argc; i++)
    {
      guint64 vlan, fd;

      if (g_str_equal (argv[i], "-net") && i + 1 < argc &&
          g_str_has_prefix (argv[i + 1], "tap,vlan="))
        {
          if (!parse_tap_arg (argv[i + 1], &vlan, &fd))
            {
              fprintf (stderr, "hangar-vdeq-qemu: unexpected argument from vdeq: %s\n",
                       argv[i + 1]);
              return 2;
            }
          g_ptr_array_add (args, g_strdup ("-netdev"));
          g_ptr_array_add (args, g_strdup_printf ("dgram,id=vdeq%" G_GUINT64_FORMAT
                                                  ",local.type=fd,local.str=%" G_GUINT64_FORMAT,
                                                  vlan, fd));
          i++;
          continue;
        }
      g_ptr_array_add (args, g_strdup (argv[i]));
    }
  g_ptr_array_add (args, NULL);

  execv (emulator, (char **) args->pdata);
  fprintf (stderr, "hangar-vdeq-qemu: cannot run %s: %s\n", emulator, g_strerror (errno));
  return 127;
}
