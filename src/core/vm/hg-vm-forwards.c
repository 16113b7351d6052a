/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "hg-proc-net.h"
#include "hg-qmp-commands.h"
#include "hg-vm-forwards.h"
#include "hg-vm-private.h"

/*
 * Port forwards edited at run time (see hg-vm-forwards.h).  One GTask per
 * add or remove: the fresh config is loaded and changed in memory, each
 * forward is sent to a running QEMU in turn (HMP, as QMP has no command
 * for it), the ones done are undone when a later one fails, and the
 * config is saved last; a failed save undoes the QEMU side too.
 */

G_DEFINE_QUARK (hg-forward-error-quark, hg_forward_error)

/* ---- parsing -------------------------------------------------------------- */

static GPtrArray *invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static GPtrArray *
invalid (GError     **error,
         const char  *format,
         ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID, format, args);
  va_end (args);
  return NULL;
}

/* "N" or "N-M" (M >= N); 0 when the text is not that */
static gboolean
parse_port_range (const char *text,
                  guint64    *first,
                  guint64    *last)
{
  const char *dash = strchr (text, '-');
  g_autofree char *head = g_strndup (text, dash != NULL ? (gsize) (dash - text) : strlen (text));

  if (!g_ascii_string_to_unsigned (head, 10, 0, G_MAXUINT32, first, NULL))
    return FALSE;
  *last = *first;
  if (dash != NULL && !g_ascii_string_to_unsigned (dash + 1, 10, 0, G_MAXUINT32, last, NULL))
    return FALSE;
  return TRUE;
}

GPtrArray *
hg_host_fwd_parse (const char  *text,
                   const char  *name,
                   gboolean     guest_optional,
                   GError     **error)
{
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GString) norm = NULL;
  g_auto(GStrv) parts = NULL;
  const char *proto = "tcp", *address = NULL, *host, *guest = NULL;
  guint64 h1, h2, g1 = 0, g2 = 0;
  guint n, i = 0;

  if (text == NULL || *text == '\0')
    return invalid (error, _("Port forward: nothing given (e.g. tcp:2222:22)"));
  if (name != NULL && *name != '\0' && !hg_host_fwd_name_is_valid (name))
    return invalid (error, _("Port forward name “%s”: at most 64 characters, without "
                             "; , = \\ or control characters"), name);
  /* QEMU's spelling HOST-:GUEST means HOST:GUEST */
  norm = g_string_new (text);
  g_string_replace (norm, "-:", ":", 0);
  parts = g_strsplit (norm->str, ":", -1);
  n = g_strv_length (parts);
  if (n > 1 && (g_str_equal (parts[0], "tcp") || g_str_equal (parts[0], "udp")))
    proto = parts[i++];
  else if (n > 1 && g_ascii_isalpha (parts[0][0]))
    return invalid (error, _("Port forward “%s”: the protocol must be tcp or udp, not “%s”"),
                    text, parts[0]);
  if (n - i >= 2 && strchr (parts[i], '.') != NULL)
    {
      address = parts[i++];
      if (!hg_host_fwd_address_is_valid (address))
        return invalid (error, _("Port forward “%s”: “%s” is not an IPv4 address to listen "
                                 "on (e.g. 127.0.0.1 or 0.0.0.0)"), text, address);
    }
  if (n - i == 2)
    {
      host = parts[i];
      guest = parts[i + 1];
    }
  else if (n - i == 1)
    {
      const char *dash = strchr (parts[i], '-');

      host = parts[i];
      /* the config's HOST-GUEST; for a removal "HOST" alone or a range */
      if (!guest_optional && dash != NULL && strchr (dash + 1, '-') == NULL)
        {
          parts[i][dash - parts[i]] = '\0';
          guest = dash + 1;
        }
      else if (!guest_optional)
        return invalid (error, _("Port forward “%s” is not [tcp:|udp:][ADDRESS:]HOSTPORT:GUESTPORT "
                                 "(e.g. tcp:2222:22)"), text);
    }
  else
    return invalid (error, _("Port forward “%s” is not [tcp:|udp:][ADDRESS:]HOSTPORT:GUESTPORT "
                             "(e.g. tcp:2222:22)"), text);

  if (!parse_port_range (host, &h1, &h2))
    return invalid (error, _("Port forward “%s”: the host port “%s” is not a number or a "
                             "range like 8000-8010"), text, host);
  if (h1 == 0 || h1 > 65535 || h2 == 0 || h2 > 65535)
    return invalid (error, _("Port forward “%s”: host port %s is outside 1–65535"), text,
                    h1 == 0 || h1 > 65535 ? host : strchr (host, '-') + 1);
  if (h2 < h1)
    return invalid (error, _("Port forward “%s”: the range %s ends before it starts"), text, host);
  if (guest != NULL)
    {
      if (!parse_port_range (guest, &g1, &g2))
        return invalid (error, _("Port forward “%s”: the guest port “%s” is not a number or a "
                                 "range like 8000-8010"), text, guest);
      if (g1 == 0 || g1 > 65535 || g2 == 0 || g2 > 65535)
        return invalid (error, _("Port forward “%s”: guest port %s is outside 1–65535"), text,
                        g1 == 0 || g1 > 65535 ? guest : strchr (guest, '-') + 1);
      if (g2 - g1 != h2 - h1)
        return invalid (error, _("Port forward “%s”: the host range %s and the guest range %s "
                                 "differ in length"), text, host, guest);
    }
  if (h2 - h1 >= HG_FORWARD_MAX_RANGE)
    return invalid (error, _("Port forward “%s”: a range may hold at most %d ports"), text,
                    HG_FORWARD_MAX_RANGE);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
  for (guint64 p = h1; p <= h2; p++)
    {
      HgHostFwd *fwd = g_new0 (HgHostFwd, 1);

      fwd->proto = g_strdup (proto);
      fwd->address = g_strdup (address);
      fwd->host_port = (guint16) p;
      fwd->guest_port = guest != NULL ? (guint16) (g1 + (p - h1)) : 0;
      fwd->name = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
      g_ptr_array_add (result, fwd);
    }
  return g_steal_pointer (&result);
}

/* ---- host side ------------------------------------------------------------ */

static const char *
fwd_address (const HgHostFwd *fwd)
{
  return fwd->address != NULL ? fwd->address : HG_HOST_FWD_DEFAULT_ADDRESS;
}

gboolean
hg_host_fwd_check_free (const HgHostFwd  *fwd,
                        GError          **error)
{
  g_autofree char *holder = NULL;
  struct sockaddr_in sa = { .sin_family = AF_INET };
  gboolean udp;
  int fd, one = 1, saved;

  g_return_val_if_fail (fwd != NULL, FALSE);

  udp = g_strcmp0 (fwd->proto, "udp") == 0;
  if (hg_proc_net_find_port_holder (udp ? "udp" : "tcp", fwd_address (fwd), fwd->host_port,
                                    &holder))
    {
      if (holder != NULL)
        g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_IN_USE,
                     _("Host port %u/%s on %s is in use by %s"), fwd->host_port,
                     udp ? "udp" : "tcp", fwd_address (fwd), holder);
      else
        g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_IN_USE,
                     _("Host port %u/%s on %s is in use (by a program of another user)"),
                     fwd->host_port, udp ? "udp" : "tcp", fwd_address (fwd));
      return FALSE;
    }

  /* what QEMU will do: bind with SO_REUSEADDR */
  if (inet_pton (AF_INET, fwd_address (fwd), &sa.sin_addr) != 1)
    {
      g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID,
                   _("“%s” is not an IPv4 address"), fwd_address (fwd));
      return FALSE;
    }
  sa.sin_port = htons (fwd->host_port);
  fd = socket (AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return TRUE;   /* no verdict: QEMU will tell */
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  saved = bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0 ? 0 : errno;
  close (fd);
  switch (saved)
    {
    case 0:
      return TRUE;
    case EADDRINUSE:
      g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_IN_USE,
                   _("Host port %u/%s on %s is in use"), fwd->host_port, udp ? "udp" : "tcp",
                   fwd_address (fwd));
      return FALSE;
    case EACCES:
      g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_IN_USE,
                   _("Host port %u needs privileges this user does not have (ports below "
                     "1024 are reserved): pick one above 1023"), fwd->host_port);
      return FALSE;
    case EADDRNOTAVAIL:
      g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID,
                   _("Host port %u: this host has no address %s to listen on"),
                   fwd->host_port, fwd_address (fwd));
      return FALSE;
    default:
      return TRUE;
    }
}

char *
hg_host_fwd_reach_text (const HgHostFwd *fwd)
{
  const char *host = fwd_address (fwd);

  g_return_val_if_fail (fwd != NULL, NULL);

  if (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "0.0.0.0"))
    host = "localhost";
  if (g_strcmp0 (fwd->proto, "udp") != 0)
    switch (fwd->guest_port)
      {
      case 22:
        return g_strdup_printf ("ssh -p %u %s", fwd->host_port, host);
      case 80:
      case 8080:
        return g_strdup_printf ("http://%s:%u", host, fwd->host_port);
      case 443:
        return g_strdup_printf ("https://%s:%u", host, fwd->host_port);
      default:
        break;
      }
  return g_strdup_printf ("%s:%u", host, fwd->host_port);
}

gint
hg_vm_config_forward_nic (HgVmConfig  *config,
                          gint         nic,
                          GError     **error)
{
  g_return_val_if_fail (config != NULL, -1);

  if (nic >= 0)
    {
      if ((guint) nic < config->nics->len &&
          ((HgNic *) g_ptr_array_index (config->nics, nic))->mode == HG_NET_USER)
        return nic;
      g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_NO_USER_NET,
                   _("VM '%s' has no user-mode network interface [net:%d]: port forwards "
                     "need user-mode networking (mode=user)"), config->label, nic);
      return -1;
    }
  for (guint i = 0; i < config->nics->len; i++)
    if (((HgNic *) g_ptr_array_index (config->nics, i))->mode == HG_NET_USER)
      return (gint) i;
  g_set_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_NO_USER_NET,
               _("VM '%s' has no user-mode network interface: port forwards need user-mode "
                 "networking (mode=user)"), config->label);
  return -1;
}

/* ---- the operation -------------------------------------------------------- */

typedef struct {
  gboolean    adding;
  HgVmConfig *fresh;      /* the config as it will be saved */
  GPtrArray  *changes;    /* HgHostFwd: added, or the config's ones removed */
  guint       nic;
  guint       next;       /* the next change to send to QEMU */
  gboolean    undoing;    /* taking back changes[0 .. next) */
  GError     *failure;    /* what to report once undone */
} FwdOp;

static void
fwd_op_free (FwdOp *op)
{
  g_clear_pointer (&op->fresh, hg_vm_config_unref);
  g_clear_pointer (&op->changes, g_ptr_array_unref);
  g_clear_error (&op->failure);
  g_free (op);
}

static char *
hmp_line (FwdOp           *op,
          gboolean         add,
          const HgHostFwd *fwd)
{
  if (add)
    return g_strdup_printf ("hostfwd_add net%u %s:%s:%u-:%u", op->nic, fwd->proto,
                            fwd_address (fwd), fwd->host_port, fwd->guest_port);
  return g_strdup_printf ("hostfwd_remove net%u %s:%s:%u", op->nic, fwd->proto,
                          fwd_address (fwd), fwd->host_port);
}

/* the VM's own HgVmConfig follows the saved file */
static void
update_vm_config (HgVm  *self,
                  FwdOp *op)
{
  HgNic *saved = g_ptr_array_index (op->fresh->nics, op->nic);
  HgNic *mine;

  if (self->config->nics == NULL || op->nic >= self->config->nics->len)
    return;
  mine = g_ptr_array_index (self->config->nics, op->nic);
  if (mine->mode != HG_NET_USER)
    return;
  g_ptr_array_set_size (mine->hostfwd, 0);
  for (guint i = 0; i < saved->hostfwd->len; i++)
    g_ptr_array_add (mine->hostfwd, hg_host_fwd_copy (g_ptr_array_index (saved->hostfwd, i)));
}

static void fwd_step (GTask *task);

static void
finish_op (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  FwdOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hg_vm_config_save (op->fresh, &error))
    {
      /* take back what QEMU got, then report the save's error */
      op->failure = error;
      op->undoing = TRUE;
      fwd_step (task);
      return;
    }
  update_vm_config (self, op);
  g_task_return_boolean (task, TRUE);
}

static void
on_hmp_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FwdOp *op = g_task_get_task_data (task);
  HgHostFwd *fwd = g_ptr_array_index (op->changes, op->next);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  gboolean ok;

  answer = hg_qmp_human_monitor_command_finish (HG_QMP_CLIENT (source), result, &error);
  if (answer != NULL)
    g_strstrip (answer);
  /* hostfwd_add says nothing when it worked; hostfwd_remove "… removed"
   * (or "… not found": gone already, which is what was asked) */
  ok = answer != NULL && ((op->adding != op->undoing) ? answer[0] == '\0'
                                                      : strstr (answer, "removed") != NULL ||
                                                        strstr (answer, "not found") != NULL);
  if (op->undoing)
    {
      if (!ok)
        g_warning ("Could not take back the forward of host port %u: %s", fwd->host_port,
                   error != NULL ? error->message : answer);
      fwd_step (task);
      return;
    }
  if (!ok)
    {
      if (error == NULL && op->adding)
        error = g_error_new (HG_FORWARD_ERROR, HG_FORWARD_ERROR_QEMU,
                             _("QEMU could not add the forward of host port %u/%s: %s"),
                             fwd->host_port, fwd->proto, answer);
      else if (error == NULL)
        error = g_error_new (HG_FORWARD_ERROR, HG_FORWARD_ERROR_QEMU,
                             _("QEMU could not remove the forward of host port %u/%s: %s"),
                             fwd->host_port, fwd->proto, answer);
      op->failure = g_steal_pointer (&error);
      op->undoing = TRUE;
      fwd_step (task);
      return;
    }
  op->next++;
  fwd_step (task);
}

static void
fwd_step (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  FwdOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  HgQmpClient *qmp = NULL;
  g_autofree char *line = NULL;
  HgHostFwd *fwd;

  if (hg_vm_is_active (self))
    qmp = _hg_vm_require_qmp (self, op->undoing ? NULL : &error);
  else if (op->next > 0 && !op->undoing)
    {
      /* it stopped meanwhile: the config alone decides from now on */
      finish_op (task);
      return;
    }
  if (op->undoing)
    {
      if (op->next == 0 || qmp == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&op->failure));
          return;
        }
      op->next--;
      fwd = g_ptr_array_index (op->changes, op->next);
      line = hmp_line (op, !op->adding, fwd);
      hg_qmp_human_monitor_command_async (qmp, line, NULL, on_hmp_done, g_object_ref (task));
      return;
    }
  if (!hg_vm_is_active (self) || op->next == op->changes->len)
    {
      finish_op (task);
      return;
    }
  if (qmp == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  fwd = g_ptr_array_index (op->changes, op->next);
  line = hmp_line (op, op->adding, fwd);
  hg_qmp_human_monitor_command_async (qmp, line, g_task_get_cancellable (task), on_hmp_done,
                                      g_object_ref (task));
}

/* The task with the fresh config and the NIC, or NULL with the task
 * completed */
static GTask *
op_begin (HgVm                *self,
          gboolean             adding,
          GPtrArray           *forwards,
          gint                 nic,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = _hg_vm_action_task (self, source_tag, cancellable, callback, user_data);
  FwdOp *op = g_new0 (FwdOp, 1);
  GError *error = NULL;
  gint index;

  op->adding = adding;
  g_task_set_task_data (task, op, (GDestroyNotify) fwd_op_free);

  if (forwards == NULL || forwards->len == 0)
    {
      g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID,
                               _("No port forward given"));
      return NULL;
    }
  if (self->config->path == NULL)
    {
      g_task_return_new_error (task, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                               _("VM '%s' has no config file to save its forwards in"),
                               self->config->label);
      return NULL;
    }
  /* from the file as it is now: what else changed there is kept */
  op->fresh = hg_vm_config_load (self->config->path, &error);
  if (op->fresh == NULL)
    {
      g_task_return_error (task, error);
      return NULL;
    }
  index = hg_vm_config_forward_nic (op->fresh, nic, &error);
  if (index < 0)
    {
      g_task_return_error (task, error);
      return NULL;
    }
  op->nic = (guint) index;
  op->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
  return g_steal_pointer (&task);
}

void
hg_vm_forwards_add_async (HgVm                *self,
                          GPtrArray           *forwards,
                          gint                 nic,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FwdOp *op;
  HgNic *target;
  GError *error = NULL;

  g_return_if_fail (HG_IS_VM (self));

  task = op_begin (self, TRUE, forwards, nic, hg_vm_forwards_add_async, cancellable, callback,
                   user_data);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  target = g_ptr_array_index (op->fresh->nics, op->nic);

  for (guint i = 0; i < forwards->len; i++)
    {
      const HgHostFwd *fwd = g_ptr_array_index (forwards, i);

      if (fwd->host_port == 0 || fwd->guest_port == 0)
        {
          g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID,
                                   _("Port forward %u → %u: ports must be 1 to 65535"),
                                   fwd->host_port, fwd->guest_port);
          return;
        }
      if (g_strcmp0 (fwd->proto, "tcp") != 0 && g_strcmp0 (fwd->proto, "udp") != 0)
        {
          g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID,
                                   _("Port forward of host port %u: the protocol must be tcp "
                                     "or udp"), fwd->host_port);
          return;
        }
      for (guint j = 0; j < target->hostfwd->len; j++)
        {
          const HgHostFwd *old = g_ptr_array_index (target->hostfwd, j);

          if (hg_host_fwd_conflicts (old, fwd))
            {
              g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_EXISTS,
                                       _("VM '%s' forwards host port %u/%s already (to guest "
                                         "port %u)"), op->fresh->label, fwd->host_port,
                                       fwd->proto, old->guest_port);
              return;
            }
        }
      for (guint j = 0; j < i; j++)
        if (hg_host_fwd_conflicts (g_ptr_array_index (forwards, j), fwd))
          {
            g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID,
                                     _("Host port %u/%s is given twice"), fwd->host_port,
                                     fwd->proto);
            return;
          }
      if (!hg_host_fwd_check_free (fwd, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (op->changes, hg_host_fwd_copy (fwd));
      g_ptr_array_add (target->hostfwd, hg_host_fwd_copy (fwd));
    }
  if (!hg_vm_config_validate (op->fresh, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  fwd_step (task);
}

static gboolean
matches (const HgHostFwd *want,
         const HgHostFwd *have)
{
  return want->host_port == have->host_port && g_strcmp0 (want->proto, have->proto) == 0 &&
         (want->address == NULL || g_str_equal (want->address, fwd_address (have))) &&
         (want->guest_port == 0 || want->guest_port == have->guest_port);
}

void
hg_vm_forwards_remove_async (HgVm                *self,
                             GPtrArray           *forwards,
                             gint                 nic,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FwdOp *op;
  HgNic *target;
  GError *error = NULL;

  g_return_if_fail (HG_IS_VM (self));

  task = op_begin (self, FALSE, forwards, nic, hg_vm_forwards_remove_async, cancellable,
                   callback, user_data);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  target = g_ptr_array_index (op->fresh->nics, op->nic);

  for (guint i = 0; i < forwards->len; i++)
    {
      const HgHostFwd *want = g_ptr_array_index (forwards, i);
      gboolean found = FALSE;

      for (guint j = 0; j < target->hostfwd->len;)
        {
          HgHostFwd *have = g_ptr_array_index (target->hostfwd, j);

          if (matches (want, have))
            {
              g_ptr_array_add (op->changes, g_ptr_array_steal_index (target->hostfwd, j));
              found = TRUE;
            }
          else
            j++;
        }
      if (!found)
        {
          if (want->guest_port != 0)
            g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_NOT_FOUND,
                                     _("VM '%s' has no forward of host port %u/%s to guest "
                                       "port %u"), op->fresh->label, want->host_port,
                                     want->proto, want->guest_port);
          else
            g_task_return_new_error (task, HG_FORWARD_ERROR, HG_FORWARD_ERROR_NOT_FOUND,
                                     _("VM '%s' has no forward of host port %u/%s"),
                                     op->fresh->label, want->host_port, want->proto);
          return;
        }
    }
  if (!hg_vm_config_validate (op->fresh, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  fwd_step (task);
}
