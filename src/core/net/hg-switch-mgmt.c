/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-switch"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <gio/gunixsocketaddress.h>
#include <libvdeplug.h>

#include "hg-proc.h"
#include "hg-runtime.h"
#include "hg-switch-private.h"

/* ---- ports -------------------------------------------------------------- */

void
hg_switch_port_free (HgSwitchPort *port)
{
  if (port == NULL)
    return;
  g_free (port->user);
  g_clear_pointer (&port->endpoints, g_ptr_array_unref);
  g_free (port);
}

static void
endpoint_free (HgSwitchEndpoint *ep)
{
  g_free (ep->module);
  g_free (ep->descr);
  g_free (ep->user);
  g_free (ep->program);
  g_free (ep->vm_label);
  g_free (ep);
}

/* The label from QEMU's "-name guest=LABEL,process=..." (',,' is a comma). */
static char *
vm_label_of_pid (GPid pid)
{
  g_auto(GStrv) argv = hg_proc_cmdline (pid);

  for (guint i = 0; argv != NULL && argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], "-name"))
      {
        const char *v = g_str_has_prefix (argv[i + 1], "guest=") ? argv[i + 1] + 6 : argv[i + 1];
        GString *label = g_string_new (NULL);

        for (; *v != '\0'; v++)
          {
            if (*v == ',' && v[1] == ',')
              v++;
            else if (*v == ',')
              break;
            g_string_append_c (label, *v);
          }
        return g_string_free (label, FALSE);
      }
  return NULL;
}

static char *
program_of_pid (GPid pid)
{
  g_autofree char *comm_path = NULL;
  g_autofree char *comm = NULL;
  char *exe = hg_proc_exe_name (pid);

  if (exe != NULL)
    return exe;
  comm_path = g_strdup_printf ("/proc/%d/comm", (int) pid);
  if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
    return NULL;
  return g_strdup (g_strstrip (comm));
}

static void
parse_counters (const char *line,
                guint64    *packets,
                guint64    *bytes)
{
  const char *p = strstr (line, "pkts");
  const char *b = strstr (line, "bytes");

  if (p != NULL)
    *packets = g_ascii_strtoull (p + 4, NULL, 10);
  if (b != NULL)
    *bytes = g_ascii_strtoull (b + 5, NULL, 10);
}

/*
 * Port 0001 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 *  Current User: root Access Control: (User: NONE - Group: NONE)
 *  IN:  pkts          0          bytes                    0
 *  OUT: pkts          0          bytes                    0
 *   -- endpoint ID 0003 module unix prog   : vdeplug: user=root pid=8814
 */
GPtrArray *
hg_switch_parse_ports (const char *text)
{
  g_autoptr(GPtrArray) ports = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_switch_port_free);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  HgSwitchPort *port = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *s = line;

      while (*s == ' ')
        s++;
      if (g_str_has_prefix (line, "Port "))
        {
          const char *vlan = strstr (line, "untagged_vlan=");
          port = g_new0 (HgSwitchPort, 1);
          port->number = (guint) g_ascii_strtoull (line + 5, NULL, 10);
          port->active = strstr (line, " ACTIVE ") != NULL;
          port->vlan = vlan != NULL ? (guint) g_ascii_strtoull (vlan + 14, NULL, 10) : 0;
          port->endpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) endpoint_free);
          g_ptr_array_add (ports, port);
        }
      else if (port == NULL)
        continue;
      else if (g_str_has_prefix (s, "Current User:"))
        {
          g_auto(GStrv) words = g_strsplit (s + 13, " ", -1);
          for (guint w = 0; words[w] != NULL; w++)
            if (*words[w] != '\0')
              {
                port->user = g_strdup (words[w]);
                break;
              }
        }
      else if (g_str_has_prefix (s, "IN:"))
        parse_counters (s, &port->in_packets, &port->in_bytes);
      else if (g_str_has_prefix (s, "OUT:"))
        parse_counters (s, &port->out_packets, &port->out_bytes);
      else if (g_str_has_prefix (s, "-- endpoint ID"))
        {
          HgSwitchEndpoint *ep = g_new0 (HgSwitchEndpoint, 1);
          const char *mod = strstr (s, " module ");
          const char *prog = strstr (s, " prog ");
          const char *user = strstr (s, "user=");
          const char *pid = strstr (s, "pid=");

          if (pid == NULL)
            pid = strstr (s, "PID=");
          ep->id = (guint) g_ascii_strtoull (s + 14, NULL, 10);
          if (mod != NULL)
            {
              const char *end = strchr (mod + 8, ' ');
              ep->module = end != NULL ? g_strndup (mod + 8, end - (mod + 8)) : g_strdup (mod + 8);
            }
          if (prog != NULL)
            {
              const char *start = strchr (prog, ':');
              const char *end = user != NULL ? user : s + strlen (s);
              if (start != NULL && start < end)
                {
                  ep->descr = g_strstrip (g_strndup (start + 1, end - (start + 1)));
                }
            }
          if (user != NULL)
            {
              const char *end = strchr (user, ' ');
              ep->user = end != NULL ? g_strndup (user + 5, end - (user + 5)) : g_strdup (user + 5);
            }
          if (pid != NULL)
            ep->pid = (GPid) g_ascii_strtoll (pid + 4, NULL, 10);
          if (ep->pid > 0)
            {
              ep->program = program_of_pid (ep->pid);
              if (ep->program != NULL && g_str_has_prefix (ep->program, "qemu-system-"))
                ep->vm_label = vm_label_of_pid (ep->pid);
            }
          g_ptr_array_add (port->endpoints, ep);
        }
    }
  return g_steal_pointer (&ports);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

GStrv
hg_switch_list_names (const char *root)
{
  g_autofree char *own_root = root != NULL ? g_strdup (root) : hg_runtime_root ();
  g_autofree char *dir = g_build_filename (own_root, "switches", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      if (hg_switch_name_is_valid (name, NULL))
        g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/* ---- management socket ---------------------------------------------------- */

gboolean
_hg_switch_mgmt_connectable (const char *path)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  g_strlcpy (sun.sun_path, path, sizeof sun.sun_path);
  ok = connect (fd, (struct sockaddr *) &sun, sizeof sun) == 0;
  close (fd);
  return ok;
}

static gboolean
read_until (GSocket       *socket,
            GString       *buffer,
            const char    *end_a,
            const char    *end_b,
            GCancellable  *cancellable,
            GError       **error)
{
  char chunk[4096];

  for (;;)
    {
      gssize n;
      if (g_str_has_suffix (buffer->str, end_a) ||
          (end_b != NULL && strstr (buffer->str, end_b) != NULL))
        return TRUE;
      n = g_socket_receive (socket, chunk, sizeof chunk, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          if (end_b != NULL)
            return TRUE;   /* EOF where EOF is an answer (shutdown) */
          g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_PROTOCOL,
                       _("The management socket closed the connection"));
          return FALSE;
        }
      g_string_append_len (buffer, chunk, n);
    }
}

char *
hg_switch_mgmt_command_sync (HgSwitch      *self,
                             const char    *command,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autofree char *line = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *p;
  const char *data_start = NULL;
  const char *data_end = NULL;
  const char *status;
  guint code;

  g_return_val_if_fail (HG_IS_SWITCH (self), NULL);
  g_return_val_if_fail (command != NULL && strchr (command, '\n') == NULL, NULL);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &local_error);
  if (socket == NULL)
    goto fail;
  g_socket_set_timeout (socket, (HG_SWITCH_IO_TIMEOUT_MS + 999) / 1000);
  address = g_unix_socket_address_new (self->mgmt);
  if (!g_socket_connect (socket, address, cancellable, &local_error))
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING,
                   _("Switch '%s' is not running (%s: %s)"), self->name, self->mgmt,
                   local_error->message);
      return NULL;
    }
  /* banner, then the prompt */
  if (!read_until (socket, buffer, "vde$ ", NULL, cancellable, &local_error))
    goto fail;
  g_string_truncate (buffer, 0);
  line = g_strconcat (command, "\n", NULL);
  if (g_socket_send (socket, line, strlen (line), cancellable, &local_error) < 0)
    goto fail;
  if (!read_until (socket, buffer, "\nvde$ ",
                   g_str_equal (command, "shutdown") ? "9999 END OF SESSION" : NULL,
                   cancellable, &local_error))
    goto fail;

  p = buffer->str;
  if (g_str_equal (command, "shutdown"))
    return g_strdup ("");
  if (g_str_has_prefix (p, "0000 DATA END WITH '.'\n"))
    {
      data_start = p + strlen ("0000 DATA END WITH '.'\n");
      data_end = strstr (data_start - 1, "\n.\n");
      if (data_end == NULL)
        {
          g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_PROTOCOL,
                       _("Switch '%s': the answer to '%s' has no end of data"),
                       self->name, command);
          return NULL;
        }
      status = data_end + 3;
    }
  else
    status = p;
  code = (guint) g_ascii_strtoull (status, NULL, 10);
  if (code != 1000)
    {
      const char *eol = strchr (status, '\n');
      g_autofree char *msg = eol != NULL ? g_strndup (status, eol - status) : g_strdup (status);
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_PROTOCOL,
                   _("Switch '%s' refused '%s': %s"), self->name, command, g_strstrip (msg));
      return NULL;
    }
  if (data_start == NULL || data_end < data_start)
    return g_strdup ("");
  return g_strndup (data_start, data_end + 1 - data_start);

fail:
  g_set_error (error, HG_SWITCH_ERROR,
               g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
                 ? HG_SWITCH_ERROR_TIMEOUT : HG_SWITCH_ERROR_PROTOCOL,
               _("Switch '%s': management command '%s' failed: %s"),
               self->name, command, local_error->message);
  return NULL;
}

GPtrArray *
hg_switch_list_ports_sync (HgSwitch      *self,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree char *text = hg_switch_mgmt_command_sync (self, "port/allprint", cancellable, error);

  if (text == NULL)
    return NULL;
  return hg_switch_parse_ports (text);
}

static void
list_ports_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *ports = hg_switch_list_ports_sync (source, cancellable, &error);

  if (ports == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ports, (GDestroyNotify) g_ptr_array_unref);
}

void
hg_switch_list_ports_async (HgSwitch            *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HG_IS_SWITCH (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_switch_list_ports_async);
  g_task_run_in_thread (task, list_ports_thread);
}

GPtrArray *
hg_switch_list_ports_finish (HgSwitch      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- libvdeplug ------------------------------------------------------------ */

gboolean
hg_switch_check_answers (HgSwitch  *self,
                         GError   **error)
{
  g_autofree char *url = NULL;
  VDECONN *conn;

  g_return_val_if_fail (HG_IS_SWITCH (self), FALSE);

  if (!g_file_test (self->ctl, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING,
                   _("Switch '%s' is not running (no %s)"), self->name, self->ctl);
      return FALSE;
    }
#if defined(__SANITIZE_ADDRESS__)
  /* libvdeplug 4 dlopen()s its vde module with RTLD_DEEPBIND, which
   * AddressSanitizer cannot run (google/sanitizers#611): in sanitizer builds
   * the check is the control socket taking a connection plus the management
   * socket answering. */
  (void) url;
  (void) conn;
  if (!_hg_switch_mgmt_connectable (self->ctl))
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING,
                   _("Switch '%s' does not answer on %s"), self->name, self->ctl);
      return FALSE;
    }
  {
    g_autofree char *info = hg_switch_mgmt_command_sync (self, "showinfo", NULL, error);
    return info != NULL;
  }
#else
  url = g_strconcat ("vde://", self->data, NULL);
  conn = vde_open (url, (char *) "hangar-check", NULL);
  if (conn == NULL)
    {
      int saved = errno;
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING,
                   _("Switch '%s' does not answer on %s: %s"),
                   self->name, self->data, g_strerror (saved));
      return FALSE;
    }
  vde_close (conn);
  return TRUE;
#endif
}
