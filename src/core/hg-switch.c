/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-switch"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixsocketaddress.h>
#include <libvdeplug.h>

#include "hg-process.h"
#include "hg-runtime.h"
#include "hg-switch.h"

G_DEFINE_QUARK (hg-switch-error-quark, hg_switch_error)

#define RESTART_BUSY_RETRIES 100    /* x RESTART_BUSY_INTERVAL_MS */
#define RESTART_BUSY_INTERVAL_MS 50
#define RESTART_LIMIT        5        /* restarts ... */
#define RESTART_WINDOW_US    (60 * G_USEC_PER_SEC)   /* ... per minute at most */
#define RETRY_MS             20
#define STOP_TIMEOUT_MS      3000

struct _HgSwitch {
  GObject       parent_instance;

  char         *name;
  char         *root;
  char         *vde_switch;
  char         *dir;
  char         *data;
  char         *ctl;
  char         *mgmt;
  char         *pidfile;
  char         *log;
  char         *lock;
  char         *stop_marker;      /* written by a stop on purpose: no restart */

  gboolean      auto_restart;
  gboolean      watching;
  gboolean      running;
  GPid          pid;
  int           pidfd;
  GSource      *pidfd_source;
  GMainContext *watch_context;
  gboolean      restarting;
  guint         busy_retries;     /* the lock was held by another restarter */
  GSource      *busy_source;
  gint64        restart_times[RESTART_LIMIT];
  guint         n_restarts;
};

G_DEFINE_FINAL_TYPE (HgSwitch, hg_switch, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_RUNTIME_ROOT,
  PROP_VDE_SWITCH,
  PROP_RUNNING,
  PROP_PID,
  PROP_AUTO_RESTART,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_LINK_DOWN,
  SIGNAL_LINK_UP,
  SIGNAL_STOPPED,
  SIGNAL_RESTART_FAILED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void arm_watch (HgSwitch *self);

/* ---- names, ports --------------------------------------------------------- */

gboolean
hg_switch_name_is_valid (const char  *name,
                         GError     **error)
{
  gsize len;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                   _("A switch name must not be empty"));
      return FALSE;
    }
  len = strlen (name);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
      {
        g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                     _("\"%s\" is not a switch name: only A-Z a-z 0-9 . _ - are allowed"),
                     name);
        return FALSE;
      }
  if (name[0] == '.' || name[0] == '-' || len > 64)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                   _("\"%s\" is not a switch name: it must not start with . or - "
                     "and has at most 64 characters"), name);
      return FALSE;
    }
  return TRUE;
}

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
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *cmdline = NULL;
  gsize len = 0;
  const char *prev = NULL;

  if (!g_file_get_contents (path, &cmdline, &len, NULL))
    return NULL;
  for (gsize off = 0; off < len; off += strlen (cmdline + off) + 1)
    {
      const char *arg = cmdline + off;
      if (prev != NULL && g_str_equal (prev, "-name"))
        {
          const char *v = g_str_has_prefix (arg, "guest=") ? arg + 6 : arg;
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
      prev = arg;
    }
  return NULL;
}

static char *
program_of_pid (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *exe = g_file_read_link (path, NULL);

  if (exe == NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/%d/comm", (int) pid);
      g_autofree char *comm = NULL;
      if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
        return NULL;
      return g_strdup (g_strstrip (comm));
    }
  return g_path_get_basename (exe);
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

/* ---- object --------------------------------------------------------------- */

static void
hg_switch_constructed (GObject *object)
{
  HgSwitch *self = HG_SWITCH (object);

  G_OBJECT_CLASS (hg_switch_parent_class)->constructed (object);

  if (self->root == NULL)
    self->root = hg_runtime_root ();
  self->dir = hg_runtime_switch_dir (self->root, self->name);
  self->data = g_build_filename (self->dir, "data", NULL);
  self->ctl = g_build_filename (self->data, "ctl", NULL);
  self->mgmt = g_build_filename (self->dir, "mgmt.sock", NULL);
  self->pidfile = g_build_filename (self->dir, "vde_switch.pid", NULL);
  self->log = g_build_filename (self->dir, "switch.log", NULL);
  self->lock = g_build_filename (self->dir, "lock", NULL);
  self->stop_marker = g_build_filename (self->dir, "stopped", NULL);
  self->pid = hg_switch_find_running (self);
  self->running = self->pid != 0;
}

static void
stop_watch (HgSwitch *self)
{
  if (self->pidfd_source != NULL)
    g_source_destroy (self->pidfd_source);
  g_clear_pointer (&self->pidfd_source, g_source_unref);
  if (self->pidfd >= 0)
    close (self->pidfd);
  self->pidfd = -1;
}

static void
hg_switch_dispose (GObject *object)
{
  HgSwitch *self = HG_SWITCH (object);

  stop_watch (self);
  if (self->busy_source != NULL)
    g_source_destroy (self->busy_source);
  g_clear_pointer (&self->busy_source, g_source_unref);
  g_clear_pointer (&self->watch_context, g_main_context_unref);
  G_OBJECT_CLASS (hg_switch_parent_class)->dispose (object);
}

static void
hg_switch_finalize (GObject *object)
{
  HgSwitch *self = HG_SWITCH (object);

  g_free (self->name);
  g_free (self->root);
  g_free (self->vde_switch);
  g_free (self->dir);
  g_free (self->data);
  g_free (self->ctl);
  g_free (self->mgmt);
  g_free (self->pidfile);
  g_free (self->log);
  g_free (self->lock);
  g_free (self->stop_marker);
  G_OBJECT_CLASS (hg_switch_parent_class)->finalize (object);
}

static void
hg_switch_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  HgSwitch *self = HG_SWITCH (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_RUNTIME_ROOT:
      g_value_set_string (value, self->root);
      break;
    case PROP_VDE_SWITCH:
      g_value_set_string (value, self->vde_switch);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PID:
      g_value_set_int (value, (int) self->pid);
      break;
    case PROP_AUTO_RESTART:
      g_value_set_boolean (value, self->auto_restart);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_switch_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  HgSwitch *self = HG_SWITCH (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_RUNTIME_ROOT:
      self->root = g_value_dup_string (value);
      break;
    case PROP_VDE_SWITCH:
      self->vde_switch = g_value_dup_string (value);
      break;
    case PROP_AUTO_RESTART:
      self->auto_restart = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_switch_class_init (HgSwitchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hg_switch_constructed;
  object_class->dispose = hg_switch_dispose;
  object_class->finalize = hg_switch_finalize;
  object_class->get_property = hg_switch_get_property;
  object_class->set_property = hg_switch_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNTIME_ROOT] =
    g_param_spec_string ("runtime-root", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VDE_SWITCH] =
    g_param_spec_string ("vde-switch", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_RESTART] =
    g_param_spec_boolean ("auto-restart", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LINK_DOWN] =
    g_signal_new ("link-down", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LINK_UP] =
    g_signal_new ("link-up", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_STOPPED] =
    g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RESTART_FAILED] =
    g_signal_new ("restart-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hg_switch_init (HgSwitch *self)
{
  self->pidfd = -1;
  self->auto_restart = TRUE;
}

HgSwitch *
hg_switch_new_full (const char *runtime_root,
                    const char *name,
                    const char *vde_switch_path)
{
  g_return_val_if_fail (hg_switch_name_is_valid (name, NULL), NULL);

  return g_object_new (HG_TYPE_SWITCH,
                       "name", name,
                       "runtime-root", runtime_root,
                       "vde-switch", vde_switch_path,
                       NULL);
}

HgSwitch *
hg_switch_new (const char *runtime_root,
               const char *name)
{
  return hg_switch_new_full (runtime_root, name, NULL);
}

const char *hg_switch_get_name (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->name; }
const char *hg_switch_get_dir (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->dir; }
const char *hg_switch_get_data_path (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->data; }
const char *hg_switch_get_mgmt_path (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->mgmt; }
const char *hg_switch_get_pidfile (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->pidfile; }
const char *hg_switch_get_log_path (HgSwitch *self) { g_return_val_if_fail (HG_IS_SWITCH (self), NULL); return self->log; }

gboolean
hg_switch_get_running (HgSwitch *self)
{
  g_return_val_if_fail (HG_IS_SWITCH (self), FALSE);
  return self->running;
}

static void
set_running (HgSwitch *self,
             GPid      pid)
{
  gboolean running = pid != 0;

  if (self->pid != pid)
    {
      self->pid = pid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
    }
  if (self->running != running)
    {
      self->running = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

/* ---- finding the process -------------------------------------------------- */

static gboolean
pid_is_alive (GPid pid)
{
  g_autofree char *proc = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents (proc, &stat, NULL, NULL))
    return FALSE;
  p = strrchr (stat, ')');
  return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static gboolean
pid_is_our_switch (HgSwitch *self,
                   GPid      pid)
{
  g_autofree char *exe_link = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *exe = NULL;
  g_autofree char *base = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *cmdline = NULL;
  gsize len = 0;
  const char *prev = NULL;

  if (pid <= 1 || !pid_is_alive (pid))
    return FALSE;
  exe = g_file_read_link (exe_link, NULL);
  if (exe == NULL)
    return FALSE;
  base = g_path_get_basename (exe);
  if (!g_str_equal (base, "vde_switch"))
    return FALSE;
  cmdline_path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  if (!g_file_get_contents (cmdline_path, &cmdline, &len, NULL))
    return FALSE;
  for (gsize off = 0; off < len; off += strlen (cmdline + off) + 1)
    {
      const char *arg = cmdline + off;
      if (prev != NULL && (g_str_equal (prev, "-M") || g_str_equal (prev, "--mgmt")) &&
          g_str_equal (arg, self->mgmt))
        return TRUE;
      prev = arg;
    }
  return FALSE;
}

GPid
hg_switch_find_running (HgSwitch *self)
{
  GPid pid = 0;

  g_return_val_if_fail (HG_IS_SWITCH (self), 0);

  if (!hg_process_read_pidfile (self->pidfile, &pid, NULL))
    return 0;
  return pid_is_our_switch (self, pid) ? pid : 0;
}

/* ---- directories ---------------------------------------------------------- */

static gboolean
prepare_dirs (HgSwitch  *self,
              GError   **error)
{
  g_autofree char *switches = g_build_filename (self->root, "switches", NULL);
  struct sockaddr_un sun;

  if (strlen (self->ctl) >= sizeof sun.sun_path || strlen (self->mgmt) >= sizeof sun.sun_path)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                   _("The sockets of switch '%s' would be under %s, a path too long "
                     "for a UNIX socket (%zu bytes at most)"),
                   self->name, self->dir, sizeof sun.sun_path - 1);
      return FALSE;
    }
  if (!hg_runtime_ensure_dir (self->root, error) ||
      !hg_runtime_ensure_dir (switches, error) ||
      !hg_runtime_ensure_dir (self->dir, error))
    {
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = HG_SWITCH_ERROR;
          (*error)->code = HG_SWITCH_ERROR_UNSAFE_PATH;
        }
      return FALSE;
    }
  return TRUE;
}

/* A path in the switch dir must be absent, or a non-symlink we own. */
static gboolean
check_safe (const char  *path,
            GError     **error)
{
  if (hg_runtime_check_path_safe (path, TRUE, error))
    return TRUE;
  if (error != NULL && *error != NULL)
    {
      (*error)->domain = HG_SWITCH_ERROR;
      (*error)->code = HG_SWITCH_ERROR_UNSAFE_PATH;
    }
  return FALSE;
}

/* What a dead switch left behind: its sockets and pidfile (never the log). */
static gboolean
clean_stale (HgSwitch  *self,
             GError   **error)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (!check_safe (self->mgmt, error) || !check_safe (self->pidfile, error) ||
      !check_safe (self->data, error))
    return FALSE;
  g_unlink (self->mgmt);
  g_unlink (self->pidfile);
  d = g_dir_open (self->data, 0, NULL);
  if (d != NULL)
    {
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (self->data, name, NULL);
          if (!check_safe (path, error))
            return FALSE;
          g_unlink (path);
        }
      g_rmdir (self->data);
    }
  return TRUE;
}

static int
take_lock (HgSwitch  *self,
           GError   **error)
{
  int fd = open (self->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_UNSAFE_PATH,
                   _("Cannot open %s: %s"), self->lock, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_BUSY,
                   _("Switch '%s' is being started or stopped by another process"), self->name);
      return -1;
    }
  return fd;
}

static gboolean
secure_sockets (HgSwitch  *self,
                GError   **error)
{
  struct {
    const char *path;
    mode_t      mode;
  } items[] = {
    { self->data, 0700 },
    { self->ctl,  0600 },
    { self->mgmt, 0600 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      if (!check_safe (items[i].path, error))
        return FALSE;
      if (g_chmod (items[i].path, items[i].mode) != 0)
        {
          int saved = errno;
          g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_FAILED,
                       _("Cannot set the mode of %s: %s"), items[i].path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- start ---------------------------------------------------------------- */

typedef struct {
  int          lock_fd;
  GSubprocess *subprocess;
  GPid         pid;
  GCancellable *wait_cancel;
  GSource     *retry_source;
  GSource     *deadline_source;
  gboolean     done;
} StartData;

static void
stop_start_sources (StartData *d)
{
  if (d->retry_source != NULL)
    g_source_destroy (d->retry_source);
  g_clear_pointer (&d->retry_source, g_source_unref);
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
  if (d->wait_cancel != NULL)
    g_cancellable_cancel (d->wait_cancel);
  g_clear_object (&d->wait_cancel);
}

static void
start_data_free (StartData *d)
{
  stop_start_sources (d);
  if (d->lock_fd >= 0)
    close (d->lock_fd);
  g_clear_object (&d->subprocess);
  g_free (d);
}

static void
child_setup (gpointer user_data)
{
  /* its own session: it outlives us, and no terminal signal of ours reaches it */
  setsid ();
}

static void
start_fail (GTask  *task,
            GError *error)
{
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);

  if (d->done)
    {
      g_error_free (error);
      return;
    }
  d->done = TRUE;
  stop_start_sources (d);
  if (d->subprocess != NULL)
    {
      g_subprocess_force_exit (d->subprocess);
      clean_stale (self, NULL);
    }
  g_task_return_error (task, error);
}

static void
start_succeed (GTask *task)
{
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!secure_sockets (self, &error))
    {
      start_fail (task, error);
      return;
    }
  d->done = TRUE;
  stop_start_sources (d);
  g_debug ("switch %s runs as pid %d", self->name, (int) d->pid);
  set_running (self, d->pid);
  if (self->watching)
    arm_watch (self);
  g_task_return_boolean (task, TRUE);
}

static void
on_start_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);
  g_autofree char *tail = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL) || d->done)
    return;
  tail = hg_process_log_tail (self->log, 5);
  g_strstrip (tail);
  start_fail (task, g_error_new (HG_SWITCH_ERROR, HG_SWITCH_ERROR_SPAWN,
                                 _("vde_switch for switch '%s' exited at once: %s"),
                                 self->name, *tail != '\0' ? tail : _("(no output)")));
}

static gboolean
on_start_deadline (gpointer user_data)
{
  GTask *task = user_data;
  HgSwitch *self = g_task_get_source_object (task);

  start_fail (task, g_error_new (HG_SWITCH_ERROR, HG_SWITCH_ERROR_TIMEOUT,
                                 _("Switch '%s' did not create %s within %d ms"),
                                 self->name, self->mgmt, HG_SWITCH_START_TIMEOUT_MS));
  return G_SOURCE_REMOVE;
}

static gboolean
mgmt_connectable (const char *path)
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
on_start_retry (gpointer user_data)
{
  GTask *task = user_data;
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);

  if (d->done)
    return G_SOURCE_REMOVE;
  if (g_task_return_error_if_cancelled (task))
    {
      d->done = TRUE;
      stop_start_sources (d);
      if (d->subprocess != NULL)
        g_subprocess_force_exit (d->subprocess);
      return G_SOURCE_REMOVE;
    }
  /* both sockets exist and the management socket takes a connection */
  if (g_file_test (self->ctl, G_FILE_TEST_EXISTS) && mgmt_connectable (self->mgmt))
    {
      g_clear_pointer (&d->retry_source, g_source_unref);
      start_succeed (task);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static int
open_log (const char  *path,
          GError     **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_UNSAFE_PATH,
                   _("Cannot write the switch log %s: %s"), path, g_strerror (saved));
    }
  return fd;
}

void
hg_switch_start_async (HgSwitch            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = NULL;
  GError *error = NULL;
  StartData *d;
  GPid running;
  int log_fd, err_fd;
  int stdin_pipe[2];

  g_return_if_fail (HG_IS_SWITCH (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_switch_start_async);
  d = g_new0 (StartData, 1);
  d->lock_fd = -1;
  g_task_set_task_data (task, d, (GDestroyNotify) start_data_free);

  if (self->vde_switch != NULL)
    program = g_strdup (self->vde_switch);
  else
    program = g_find_program_in_path ("vde_switch");
  if (program == NULL)
    {
      g_task_return_new_error (task, HG_SWITCH_ERROR, HG_SWITCH_ERROR_MISSING,
                               _("vde_switch is not installed (Debian package vde2), "
                                 "switch '%s' cannot run"), self->name);
      return;
    }
  if (!prepare_dirs (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  d->lock_fd = take_lock (self, &error);
  if (d->lock_fd < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  running = hg_switch_find_running (self);
  if (running != 0)
    {
      set_running (self, running);
      if (self->watching)
        arm_watch (self);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!clean_stale (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_unlink (self->stop_marker);
  log_fd = open_log (self->log, &error);
  if (log_fd < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Not daemonised (-d) so that we know its pid at once; its console reads
   * stdin and ends on EOF, so stdin is a pipe whose write end the switch
   * itself holds (fd 3): it never sees EOF, whoever of us goes away. */
  if (!g_unix_open_pipe (stdin_pipe, FD_CLOEXEC, &error))
    {
      close (log_fd);
      g_task_return_error (task, error);
      return;
    }
  err_fd = dup (log_fd);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdin_fd (launcher, stdin_pipe[0]);
  g_subprocess_launcher_take_fd (launcher, stdin_pipe[1], 3);
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  d->subprocess = g_subprocess_launcher_spawn (launcher, &error,
                                               program,
                                               "-s", self->data,
                                               "-m", "0600",
                                               "--dirmode", "0700",
                                               "-M", self->mgmt,
                                               "--mgmtmode", "0600",
                                               "-p", self->pidfile,
                                               NULL);
  if (d->subprocess == NULL)
    {
      g_prefix_error (&error, _("Cannot run %s for switch '%s': "), program, self->name);
      error->domain = HG_SWITCH_ERROR;
      error->code = HG_SWITCH_ERROR_SPAWN;
      g_task_return_error (task, error);
      return;
    }
  d->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (d->subprocess), NULL, 10);

  d->wait_cancel = g_cancellable_new ();
  g_subprocess_wait_async (d->subprocess, d->wait_cancel, on_start_exited, g_object_ref (task));
  d->deadline_source = g_timeout_source_new (HG_SWITCH_START_TIMEOUT_MS);
  g_source_set_callback (d->deadline_source, on_start_deadline, g_object_ref (task), g_object_unref);
  g_source_attach (d->deadline_source, g_task_get_context (task));
  d->retry_source = g_timeout_source_new (RETRY_MS);
  g_source_set_callback (d->retry_source, on_start_retry, g_object_ref (task), g_object_unref);
  g_source_attach (d->retry_source, g_task_get_context (task));
}

gboolean
hg_switch_start_finish (HgSwitch      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_switch_start_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

gboolean
hg_switch_start_sync (HgSwitch      *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  g_return_val_if_fail (HG_IS_SWITCH (self), FALSE);

  g_main_context_push_thread_default (context);
  hg_switch_start_async (self, cancellable, store_result, &result);
  /* the task's own deadline ends this loop */
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  ok = hg_switch_start_finish (self, result, error);
  g_clear_object (&result);
  /* let cancelled waits come back before the context goes */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return ok;
}

/* ---- stop ----------------------------------------------------------------- */

static gboolean
wait_pid_exit (GPid  pid,
               int   pidfd,
               guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  if (pidfd >= 0)
    {
      struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
      int left;
      do
        {
          left = (int) ((deadline - g_get_monotonic_time ()) / 1000);
          if (left < 0)
            left = 0;
        }
      while (poll (&pfd, 1, left) < 0 && errno == EINTR);
      /* a zombie child of ours counts as gone */
      return (pfd.revents & POLLIN) != 0 || !pid_is_alive (pid);
    }
  return !pid_is_alive (pid);
}

gboolean
hg_switch_stop_sync (HgSwitch  *self,
                     GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *answer = NULL;
  GPid pid;
  int pidfd;
  gboolean gone;

  g_return_val_if_fail (HG_IS_SWITCH (self), FALSE);

  pid = hg_switch_find_running (self);
  if (pid == 0)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING,
                   _("Switch '%s' is not running"), self->name);
      return FALSE;
    }
  pidfd = hg_process_pidfd_open (pid);
  /* every watcher, in any process, must see this end as on purpose */
  g_file_set_contents (self->stop_marker, "", 0, NULL);
  /* "shutdown" ends the session without the usual status line */
  answer = hg_switch_mgmt_command_sync (self, "shutdown", NULL, &local_error);
  if (local_error != NULL)
    g_debug ("switch %s: shutdown: %s", self->name, local_error->message);
  gone = wait_pid_exit (pid, pidfd, STOP_TIMEOUT_MS);
  if (!gone)
    {
      g_clear_error (&local_error);
      if (!hg_process_send_signal (pid, pidfd, SIGTERM, &local_error))
        g_debug ("switch %s: SIGTERM: %s", self->name, local_error->message);
      gone = wait_pid_exit (pid, pidfd, STOP_TIMEOUT_MS);
    }
  if (!gone)
    {
      hg_process_send_signal (pid, pidfd, SIGKILL, NULL);
      gone = wait_pid_exit (pid, pidfd, STOP_TIMEOUT_MS);
    }
  if (pidfd >= 0)
    close (pidfd);
  if (!gone)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_TIMEOUT,
                   _("Switch '%s' (pid %d) did not stop"), self->name, (int) pid);
      return FALSE;
    }
  /* a SIGKILLed switch leaves its sockets; a stopped one must not be
   * restarted by a watcher: no pidfile */
  clean_stale (self, NULL);
  return TRUE;
}

/* ---- management socket ---------------------------------------------------- */

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
  if (!mgmt_connectable (self->ctl))
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

/* ---- supervision ---------------------------------------------------------- */

static void on_restarted (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
restart_again (gpointer user_data)
{
  HgSwitch *self = user_data;

  g_clear_pointer (&self->busy_source, g_source_unref);
  hg_switch_start_async (self, NULL, on_restarted, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_restarted (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HgSwitch *self = HG_SWITCH (source);
  g_autoptr(GError) error = NULL;

  if (!hg_switch_start_finish (self, result, &error) &&
      g_error_matches (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_BUSY) &&
      self->busy_retries++ < RESTART_BUSY_RETRIES)
    {
      /* another watcher (a window, another VM) is restarting it right now:
       * ask again shortly; a start of a running switch succeeds at once */
      g_debug ("switch '%s' is being restarted by someone else", self->name);
      g_clear_pointer (&self->busy_source, g_source_unref);
      self->busy_source = g_timeout_source_new (RESTART_BUSY_INTERVAL_MS);
      g_source_set_callback (self->busy_source, restart_again, self, NULL);
      g_source_attach (self->busy_source, self->watch_context);
      return;
    }
  self->restarting = FALSE;
  self->busy_retries = 0;
  if (error != NULL)
    {
      g_warning ("Cannot restart switch '%s': %s", self->name, error->message);
      g_signal_emit (self, signals[SIGNAL_RESTART_FAILED], 0, error);
      return;
    }
  g_message ("switch '%s' restarted (pid %d)", self->name, (int) self->pid);
  g_signal_emit (self, signals[SIGNAL_LINK_UP], 0);
}

static gboolean
restart_allowed (HgSwitch *self)
{
  gint64 now = g_get_monotonic_time ();
  guint recent = 0;

  for (guint i = 0; i < self->n_restarts && i < RESTART_LIMIT; i++)
    if (now - self->restart_times[i] < RESTART_WINDOW_US)
      recent++;
  if (recent >= RESTART_LIMIT)
    return FALSE;
  self->restart_times[self->n_restarts % RESTART_LIMIT] = now;
  self->n_restarts++;
  return TRUE;
}

static gboolean
on_pidfd (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  HgSwitch *self = user_data;
  GPid dead = self->pid;
  gboolean killed;
  g_autoptr(GObject) keep = g_object_ref (G_OBJECT (self));

  g_clear_pointer (&self->pidfd_source, g_source_unref);
  close (self->pidfd);
  self->pidfd = -1;

  /* a switch stopped on purpose leaves the stop marker (and removes its
   * pidfile); a killed one leaves its pidfile, unless another watcher is
   * already restarting it (then there is no marker either) */
  {
    GPid in_file = 0;
    killed = (hg_process_read_pidfile (self->pidfile, &in_file, NULL) && in_file == dead) ||
             !g_file_test (self->stop_marker, G_FILE_TEST_EXISTS);
  }
  g_debug ("switch %s (pid %d) is gone (%s)", self->name, (int) dead,
           killed ? "killed" : "stopped");
  set_running (self, 0);
  g_signal_emit (self, signals[SIGNAL_LINK_DOWN], 0);
  if (!killed)
    {
      g_signal_emit (self, signals[SIGNAL_STOPPED], 0);
      return G_SOURCE_REMOVE;
    }
  if (self->auto_restart && !self->restarting)
    {
      if (!restart_allowed (self))
        {
          g_autoptr(GError) error =
            g_error_new (HG_SWITCH_ERROR, HG_SWITCH_ERROR_FAILED,
                         _("Switch '%s' died %d times within a minute; not restarting it"),
                         self->name, RESTART_LIMIT);
          g_signal_emit (self, signals[SIGNAL_RESTART_FAILED], 0, error);
          return G_SOURCE_REMOVE;
        }
      self->restarting = TRUE;
      hg_switch_start_async (self, NULL, on_restarted, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
arm_watch (HgSwitch *self)
{
  stop_watch (self);
  if (self->pid == 0)
    return;
  self->pidfd = hg_process_pidfd_open (self->pid);
  if (self->pidfd < 0)
    {
      g_warning ("Cannot watch switch '%s' (pid %d): no pidfd", self->name, (int) self->pid);
      return;
    }
  self->pidfd_source = g_unix_fd_source_new (self->pidfd, G_IO_IN);
  g_source_set_callback (self->pidfd_source, G_SOURCE_FUNC (on_pidfd), self, NULL);
  g_source_attach (self->pidfd_source, self->watch_context);
}

void
hg_switch_watch (HgSwitch *self)
{
  g_return_if_fail (HG_IS_SWITCH (self));

  self->watching = TRUE;
  g_clear_pointer (&self->watch_context, g_main_context_unref);
  self->watch_context = g_main_context_ref_thread_default ();
  set_running (self, hg_switch_find_running (self));
  arm_watch (self);
}

/* ---- the VM start hook ---------------------------------------------------- */

gboolean
hg_switch_ensure_running_sync (const char  *root,
                               const char  *name,
                               GError     **error)
{
  g_autoptr(HgSwitch) sw = NULL;

  if (!hg_switch_name_is_valid (name, error))
    return FALSE;
  sw = hg_switch_new (root, name);
  if (!hg_switch_start_sync (sw, NULL, error))
    return FALSE;
  return hg_switch_check_answers (sw, error);
}
