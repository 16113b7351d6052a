/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>

#include "hangarctl-private.h"
#include "hg-vm.h"

/*
 * hangarctl console VM: the terminal on the VM's serial socket (the HMP
 * monitor multiplexed on it, Ctrl-a c), raw mode on a tty; Ctrl-] leaves.
 * Piped: input is sent, and after its end hangarctl leaves once the guest
 * has been quiet for a second.
 */

/* ---- console ------------------------------------------------------------- */

/* Ctrl-] leaves, as in telnet and virsh console */
#define CONSOLE_ESCAPE 0x1d
/* piped input: after its end, leave once the guest was quiet this long */
#define CONSOLE_QUIET_MS 1000

static gboolean
write_all (int          fd,
           const char  *buf,
           gsize        len)
{
  while (len > 0)
    {
      gssize n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

int
hg_cli_console_loop (const char *label,
                     int         sock_fd,
                     gboolean    tty)
{
  struct termios saved, raw;
  gboolean input_open = TRUE;
  int status = HG_EXIT_OK;

  if (tty)
    {
      if (tcgetattr (STDIN_FILENO, &saved) != 0)
        tty = FALSE;
      else
        {
          raw = saved;
          cfmakeraw (&raw);
          tcsetattr (STDIN_FILENO, TCSANOW, &raw);
          g_printerr (_("Connected to the serial console of VM '%s'.  Ctrl-] leaves; Ctrl-a c "
                        "switches to the QEMU monitor and back."), label);
          g_printerr ("\r\n");   /* raw mode: no newline translation */
        }
    }

  for (;;)
    {
      struct pollfd fds[2] = {
        { sock_fd, POLLIN, 0 },
        { STDIN_FILENO, POLLIN, 0 },
      };
      char buf[4096];
      int n = poll (fds, input_open ? 2 : 1, input_open ? -1 : CONSOLE_QUIET_MS);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          hg_cli_error ("console", "poll: %s", g_strerror (errno));
          status = HG_EXIT_FAILURE;
          break;
        }
      if (n == 0)
        break;   /* input ended and the guest has been quiet */
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          gssize r = read (sock_fd, buf, sizeof buf);

          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            {
              if (tty)
                tcsetattr (STDIN_FILENO, TCSANOW, &saved);
              g_printerr (_("\nThe serial console of VM '%s' closed (the VM stopped)\n"), label);
              tty = FALSE;
              break;
            }
          if (!write_all (STDOUT_FILENO, buf, (gsize) r))
            break;
        }
      if (input_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          gssize r = read (STDIN_FILENO, buf, sizeof buf);

          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            {
              input_open = FALSE;
              continue;
            }
          if (tty)
            {
              char *esc = memchr (buf, CONSOLE_ESCAPE, (gsize) r);
              if (esc != NULL)
                {
                  write_all (sock_fd, buf, (gsize) (esc - buf));
                  break;
                }
            }
          if (!write_all (sock_fd, buf, (gsize) r))
            break;
        }
    }
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      g_printerr ("\r\n");
    }
  return status;
}

int
hg_cli_console (HgCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("console", _("VM"),
                             _("Connects the terminal to a running VM's serial console in raw "
                               "mode.  Ctrl-] leaves; Ctrl-a c switches to the QEMU monitor."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("console", argc, 2))
    return HG_EXIT_USAGE;
  vm = hg_cli_open_vm (ctx, "console", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  if (!hg_vm_is_active (vm))
    {
      hg_cli_error ("console", _("VM '%s' is not running"), hg_vm_get_label (vm));
      return HG_EXIT_STATE;
    }
  if (!hg_vm_get_config (vm)->serial)
    {
      hg_cli_error ("console", _("VM '%s' has no serial port ([console] serial=false)"),
                    hg_vm_get_label (vm));
      return HG_EXIT_STATE;
    }
  path = hg_vm_get_serial_path (vm);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         &error);
  address = g_unix_socket_address_new (path);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, &error))
    {
      hg_cli_error ("console", _("cannot connect to the serial console %s: %s"), path,
                    error->message);
      return HG_EXIT_FAILURE;
    }
  /* the QMP connection is not needed while we are on the console */
  hg_vm_detach (vm);
  return hg_cli_console_loop (hg_vm_get_label (vm), g_socket_get_fd (socket), isatty (STDIN_FILENO));
}

