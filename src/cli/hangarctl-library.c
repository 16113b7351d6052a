/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl.h"
#include "hangarctl-private.h"
#include "hg-cmdline.h"
#include "hg-ctys.h"
#include "hg-host.h"
#include "hg-library.h"
#include "hg-process.h"
#include "hg-swtpm.h"
#include "hg-vm-config.h"
#include "hg-vm.h"
#include "hg-vm-manager.h"

/*
 * hangarctl list | info VM | cmdline VM [--boot MODE] | check, the shared
 * helpers of hangarctl-private.h and the table; create and import-ctys are
 * in hangarctl-create.c.
 */

/* ---- shared helpers ------------------------------------------------------- */

/* The run state shown by list and info: the VMs of an HgVmManager, looked
 * at once (hg_vm_manager_load_sync / _refresh_sync: only those whose
 * runtime directory holds a pidfile or a crash record, all in parallel),
 * with a short greeting timeout: a QEMU that does not answer is "not
 * responding" in well under a second, never "stopped". */
#define LOOK_TIMEOUT_MS 500

static HgVm *
vm_for (HgVmManager *manager,
        HgVmConfig  *config)
{
  return hg_vm_manager_lookup (manager, config->path);
}

/* "running", "crashed" … and "not responding" (JSON: "not-responding") for
 * a live QEMU of ours that does not answer on QMP */
static const char *
vm_state_string (HgVmManager *manager,
                 HgVmConfig  *config,
                 gboolean     json)
{
  HgVm *vm = vm_for (manager, config);

  if (vm == NULL)
    return "stopped";
  if (!hg_vm_is_responding (vm))
    return json ? "not-responding" : _("not responding");
  return hg_vm_state_to_string (hg_vm_get_state (vm));
}

static const char *
vm_state_reason (HgVmManager *manager,
                 HgVmConfig  *config)
{
  HgVm *vm = vm_for (manager, config);

  return vm != NULL ? hg_vm_get_state_reason (vm) : NULL;
}

static int
vm_pid (HgVmManager *manager,
        HgVmConfig  *config)
{
  HgVm *vm = vm_for (manager, config);

  return vm != NULL ? (int) hg_vm_get_pid (vm) : 0;
}

static int
exit_code_for (const GError *error)
{
  if (error->domain == HG_LIBRARY_ERROR)
    switch ((HgLibraryError) error->code)
      {
      case HG_LIBRARY_ERROR_NOT_FOUND:
        return HG_EXIT_NOT_FOUND;
      case HG_LIBRARY_ERROR_AMBIGUOUS:
        return HG_EXIT_USAGE;
      case HG_LIBRARY_ERROR_UNREADABLE:
      default:
        return HG_EXIT_FAILURE;
      }
  if (error->domain == HG_CONFIG_ERROR)
    return error->code == HG_CONFIG_ERROR_IO ? HG_EXIT_FAILURE : HG_EXIT_CONFIG;
  if (error->domain == HG_CMDLINE_ERROR)
    switch ((HgCmdlineError) error->code)
      {
      case HG_CMDLINE_ERROR_NO_EMULATOR:
        return HG_EXIT_MISSING;
      case HG_CMDLINE_ERROR_UNSUPPORTED:
        return HG_EXIT_FAILURE;
      case HG_CMDLINE_ERROR_MISSING:
      case HG_CMDLINE_ERROR_INVALID:
      default:
        return HG_EXIT_CONFIG;
      }
  if (error->domain == HG_CTYS_ERROR)
    switch ((HgCtysError) error->code)
      {
      case HG_CTYS_ERROR_TOO_LARGE:
      case HG_CTYS_ERROR_ENCODING:
      case HG_CTYS_ERROR_SYNTAX:
        return HG_EXIT_CONFIG;
      case HG_CTYS_ERROR_INVALID_LABEL:
      case HG_CTYS_ERROR_EXISTS:
        return HG_EXIT_USAGE;
      case HG_CTYS_ERROR_IO:
      default:
        return HG_EXIT_FAILURE;
      }
  return HG_EXIT_FAILURE;
}

int
hg_cli_fail (const char   *command,
      const GError *error)
{
  hg_cli_error (command, "%s", error->message);
  return exit_code_for (error);
}

gboolean
hg_cli_parse_boot_mode (const char *command,
                        const char *text,
                        HgBootMode *out)
{
  if (hg_boot_mode_from_string (text, out))
    return TRUE;
  hg_cli_error (command, _("--boot: unknown boot mode '%s' (disk, cdrom, pxe, kernel, "
                           "floppy or usb)"), text);
  return FALSE;
}

/* Parses a command's options; FALSE (error printed) on a bad flag. */
static gboolean
is_ascii (const char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s >= 0x80)
      return FALSE;
  return TRUE;
}

/* The long name of the first text option (G_OPTION_ARG_STRING or
 * _STRING_ARRAY) in argv whose value is not valid (ascii: ASCII), or NULL */
static const char *
text_option_where (const GOptionEntry *entries,
                   int                 argc,
                   char              **argv,
                   gboolean            ascii)
{
  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    {
      const char *arg = argv[i];
      const char *eq, *value;
      gsize name_len;

      if (!g_str_has_prefix (arg, "--"))
        continue;
      eq = strchr (arg, '=');
      name_len = eq != NULL ? (gsize) (eq - arg - 2) : strlen (arg + 2);
      value = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
      for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
        if ((e->arg == G_OPTION_ARG_STRING || e->arg == G_OPTION_ARG_STRING_ARRAY) &&
            strlen (e->long_name) == name_len && strncmp (e->long_name, arg + 2, name_len) == 0 &&
            value != NULL && !(ascii ? is_ascii (value) : g_utf8_validate (value, -1, NULL)))
          return e->long_name;
    }
  return NULL;
}

static const char *
option_not_utf8 (const GOptionEntry *entries,
                 int                 argc,
                 char              **argv)
{
  return text_option_where (entries, argc, argv, FALSE);
}

static const char *
option_not_ascii (const GOptionEntry *entries,
                  int                 argc,
                  char              **argv)
{
  return text_option_where (entries, argc, argv, TRUE);
}

gboolean
hg_cli_parse_options (const char     *command,
               const char     *parameters,
               const char     *summary,
               GOptionEntry   *entries,
               int            *argc,
               char         ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("hangarctl %s", command);
  const char *bad;

  /* GOption converts a text value to UTF-8 and, when it cannot, says only
   * "Invalid byte sequence": the option is named here first */
  if ((bad = option_not_utf8 (entries, *argc, *argv)) != NULL)
    {
      hg_cli_error (command, _("--%s: the value is not valid UTF-8 text"), bad);
      return FALSE;
    }
  g_set_prgname (prgname);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      /* valid UTF-8 the locale's character set cannot hold (LANG=C) */
      if (error->domain == G_CONVERT_ERROR &&
          (bad = option_not_ascii (entries, *argc, *argv)) != NULL)
        hg_cli_error (command, _("--%s: the value cannot be read in this locale's character set "
                                 "(%s); set LANG to a UTF-8 locale"), bad, error->message);
      else
        hg_cli_error (command, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* The global --base list, then the command's own; none: the configured
 * library. */
char **
hg_cli_effective_bases (HgCliContext  *ctx,
                 char         **local_bases,
                 gboolean      *out_explicit)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean any = FALSE;

  for (guint i = 0; ctx->bases != NULL && ctx->bases[i] != NULL; i++, any = TRUE)
    g_strv_builder_add (builder, ctx->bases[i]);
  for (guint i = 0; local_bases != NULL && local_bases[i] != NULL; i++, any = TRUE)
    g_strv_builder_add (builder, local_bases[i]);
  if (out_explicit != NULL)
    *out_explicit = any;
  if (!any)
    return hg_library_configured_bases ();
  return g_strv_builder_end (builder);
}

/* A --base given on the command line must be a directory. */
static gboolean
check_bases_exist (const char          *command,
                   const char * const  *bases)
{
  for (guint i = 0; bases[i] != NULL; i++)
    if (!g_file_test (bases[i], G_FILE_TEST_IS_DIR))
      {
        hg_cli_error (command, _("base directory %s: %s"), bases[i],
                      g_file_test (bases[i], G_FILE_TEST_EXISTS) ? _("not a directory")
                                                                  : _("no such directory"));
        return FALSE;
      }
  return TRUE;
}

void
hg_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

void
hg_cli_json_add_objects (JsonBuilder      *b,
                         const char       *name,
                         GPtrArray        *items,
                         HgCliJsonMembers  members,
                         gpointer          user_data)
{
  if (name != NULL)
    json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      json_builder_begin_object (b);
      members (b, g_ptr_array_index (items, i), user_data);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

void
hg_cli_print_json_array (GPtrArray        *items,
                         HgCliJsonMembers  members,
                         gpointer          user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  hg_cli_json_add_objects (b, NULL, items, members, user_data);
  hg_cli_print_json (b);
}

void
hg_cli_json_add_string (JsonBuilder *b,
                        const char  *name,
                        const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
hg_cli_json_add_int (JsonBuilder *b,
                     const char  *name,
                     gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

void
hg_cli_json_add_bool (JsonBuilder *b,
                      const char  *name,
                      gboolean     value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static char *
nic_summary (const HgNic *nic)
{
  switch (nic->mode)
    {
    case HG_NET_VDE:
      return g_strdup_printf ("vde:%s", nic->switch_name != NULL ? nic->switch_name : "default");
    case HG_NET_TAP:
      return nic->tap != NULL ? g_strdup_printf ("tap:%s", nic->tap) : g_strdup ("tap");
    case HG_NET_USER:
    case HG_NET_NONE:
    default:
      return g_strdup (hg_net_mode_to_string (nic->mode));
    }
}

static char *
network_summary (HgVmConfig *config)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; config->nics != NULL && i < config->nics->len; i++)
    {
      g_autofree char *one = nic_summary (g_ptr_array_index (config->nics, i));
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, one);
    }
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- list ------------------------------------------------------------------- */

static void
entry_json (JsonBuilder *b,
            gpointer     item,
            gpointer     manager)
{
  HgLibraryEntry *e = item;
  HgVmConfig *c = e->config;

  hg_cli_json_add_string (b, "label", c != NULL ? c->label : e->label);
  hg_cli_json_add_string (b, "folder", e->folder);
  hg_cli_json_add_string (b, "base", e->base);
  hg_cli_json_add_string (b, "path", e->path);
  if (c != NULL)
    {
      g_autofree char *net = network_summary (c);

      hg_cli_json_add_string (b, "state", vm_state_string (manager, c, TRUE));
      if (vm_state_reason (manager, c) != NULL)
        hg_cli_json_add_string (b, "state-reason", vm_state_reason (manager, c));
      if (vm_pid (manager, c) > 0)
        hg_cli_json_add_int (b, "pid", vm_pid (manager, c));
      hg_cli_json_add_string (b, "uuid", c->uuid);
      if (e->same_uuid_as != NULL)
        hg_cli_json_add_string (b, "same-uuid-as", e->same_uuid_as);
      hg_cli_json_add_string (b, "arch", c->arch);
      hg_cli_json_add_string (b, "accel", hg_accel_to_string (c->accel));
      hg_cli_json_add_int (b, "memory-mib", c->memory_mib);
      hg_cli_json_add_int (b, "cpus", c->cpus);
      hg_cli_json_add_string (b, "network", net);
      hg_cli_json_add_string (b, "os", c->os_name != NULL ? c->os_name : c->os_id);
    }
  else
    {
      hg_cli_json_add_string (b, "state", "broken");
      hg_cli_json_add_string (b, "error", e->error->message);
    }
}

static void
list_json (GPtrArray   *entries,
           HgVmManager *manager)
{
  hg_cli_print_json_array (entries, entry_json, manager);
}

static void
list_table (GPtrArray   *entries,
            HgVmManager *manager)
{
  g_autoptr(GString) out = g_string_sized_new (64 + entries->len * 96);
  int w = (int) strlen (_("LABEL"));

  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *e = g_ptr_array_index (entries, i);
      w = MAX (w, (int) g_utf8_strlen (e->label, -1));
    }
  g_string_append_printf (out, "%-*s  %-8s %-8s %-5s %9s  %-16s %s\n", w,
                          _("LABEL"), _("STATE"), _("ARCH"), _("ACCEL"), _("MEMORY"),
                          _("NETWORK"), _("FOLDER"));
  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *e = g_ptr_array_index (entries, i);
      HgVmConfig *c = e->config;
      const char *folder = e->folder[0] != '\0' ? e->folder : "-";

      if (c != NULL)
        {
          g_autofree char *net = network_summary (c);

          HgVm *vm = vm_for (manager, c);

          g_string_append_printf (out, "%-*s  %-8s %-8s %-5s %5u MiB  %-16s %s\n", w,
                                  e->label, vm_state_string (manager, c, FALSE), c->arch,
                                  hg_accel_to_string (c->accel), c->memory_mib, net, folder);
          /* why it crashed or does not answer, under it */
          if (vm != NULL && vm_state_reason (manager, c) != NULL &&
              (hg_vm_get_state (vm) == HG_VM_STATE_CRASHED || !hg_vm_is_responding (vm)))
            g_string_append_printf (out, "%*s  %s\n", w, "", vm_state_reason (manager, c));
          if (e->same_uuid_as != NULL)
            {
              g_string_append_printf (out, "%*s  ", w, "");
              g_string_append_printf (out, _("same uuid as %s (“hangarctl reidentify %s” gives "
                                             "this copy a new identity)"),
                                      e->same_uuid_as, e->dir);
              g_string_append_c (out, '\n');
            }
        }
      else
        {
          g_string_append_printf (out, "%-*s  %-8s %-8s %-5s %9s  %-16s %s\n", w,
                                  e->label, _("broken"), "-", "-", "-", "-", folder);
          g_string_append_printf (out, "%*s  %s\n", w, "", e->error->message);
        }
    }
  fwrite (out->str, 1, out->len, stdout);
  fflush (stdout);
}

static int
cli_list (HgCliContext *ctx,
          int           argc,
          char        **argv)
{
  gboolean json = FALSE;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_auto(GStrv) bases = NULL;
  g_autoptr(HgVmManager) manager = NULL;
  GPtrArray *found;
  gboolean explicit = FALSE;

  if (!hg_cli_parse_options ("list", "", _("Lists the VMs of the library: label, state, architecture, "
                                     "accelerator, memory, network and folder; a config that "
                                     "cannot be loaded is listed with its error."),
                      entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc > 1)
    {
      hg_cli_error ("list", _("unexpected argument '%s'"), argv[1]);
      return HG_EXIT_USAGE;
    }
  bases = hg_cli_effective_bases (ctx, local_bases, &explicit);
  if (explicit && !check_bases_exist ("list", (const char * const *) bases))
    return HG_EXIT_NOT_FOUND;

  /* the same scan and attach as the window's */
  manager = hg_vm_manager_new ((const char * const *) bases);
  hg_vm_manager_load_sync (manager, LOOK_TIMEOUT_MS);
  found = hg_vm_manager_get_entries (manager);
  if (json || ctx->json)
    list_json (found, manager);
  else
    list_table (found, manager);
  return HG_EXIT_OK;
}

/* ---- info ------------------------------------------------------------------- */

static void
disk_json (JsonBuilder *b,
           gpointer     item,
           gpointer     config)
{
  HgDisk *d = item;
  g_autofree char *abs = hg_vm_config_resolve_path (config, d->path);

  hg_cli_json_add_string (b, "path", d->path);
  hg_cli_json_add_string (b, "file", abs);
  hg_cli_json_add_bool (b, "exists", abs != NULL && g_file_test (abs, G_FILE_TEST_EXISTS));
  hg_cli_json_add_string (b, "format", d->format);
  hg_cli_json_add_string (b, "interface", d->interface);
}

static void
medium_json (JsonBuilder *b,
             gpointer     item,
             gpointer     config)
{
  HgMedium *m = item;

  hg_cli_json_add_string (b, "kind", hg_medium_kind_to_string (m->kind));
  hg_cli_json_add_string (b, "path", m->path);
  hg_cli_json_add_string (b, "format", m->format);
}

/* "tcp:127.0.0.1:2222-:22": where the host side really listens */
static char *
fwd_text (const HgHostFwd *f)
{
  return g_strdup_printf ("%s:%s:%u-:%u", f->proto,
                          f->address != NULL ? f->address : HG_HOST_FWD_DEFAULT_ADDRESS,
                          f->host_port, f->guest_port);
}

static void
nic_json (JsonBuilder *b,
          gpointer     item,
          gpointer     config)
{
  HgNic *n = item;

  hg_cli_json_add_string (b, "mode", hg_net_mode_to_string (n->mode));
  hg_cli_json_add_string (b, "switch", n->switch_name);
  hg_cli_json_add_string (b, "tap", n->tap);
  hg_cli_json_add_string (b, "mac", n->mac);
  hg_cli_json_add_string (b, "model", n->model);
  hg_cli_json_add_bool (b, "vdeq", n->vdeq);
  json_builder_set_member_name (b, "hostfwd");
  json_builder_begin_array (b);
  for (guint j = 0; n->hostfwd != NULL && j < n->hostfwd->len; j++)
    {
      HgHostFwd *f = g_ptr_array_index (n->hostfwd, j);
      g_autofree char *s = fwd_text (f);
      json_builder_add_string_value (b, s);
    }
  json_builder_end_array (b);
}

static void
info_json (HgVmConfig  *c,
           HgVmManager *manager,
           const char  *same_uuid_as)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *net = network_summary (c);

  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "label", c->label);
  hg_cli_json_add_string (b, "uuid", c->uuid);
  if (same_uuid_as != NULL)
    hg_cli_json_add_string (b, "same-uuid-as", same_uuid_as);
  hg_cli_json_add_string (b, "path", c->path);
  hg_cli_json_add_string (b, "dir", c->dir);
  hg_cli_json_add_string (b, "state", vm_state_string (manager, c, TRUE));
  if (vm_state_reason (manager, c) != NULL)
    hg_cli_json_add_string (b, "state-reason", vm_state_reason (manager, c));
  if (vm_pid (manager, c) > 0)
    hg_cli_json_add_int (b, "pid", vm_pid (manager, c));
  if (vm_for (manager, c) != NULL && hg_vm_get_state (vm_for (manager, c)) == HG_VM_STATE_CRASHED)
    hg_cli_json_add_string (b, "log-tail", hg_vm_get_log_tail (vm_for (manager, c)));
  hg_cli_json_add_string (b, "arch", c->arch);
  hg_cli_json_add_string (b, "machine", c->machine != NULL ? c->machine
                                                             : hg_cmdline_default_machine (c->arch));
  hg_cli_json_add_string (b, "cpu", c->cpu_model);
  hg_cli_json_add_string (b, "accel", hg_accel_to_string (c->accel));
  hg_cli_json_add_int (b, "memory-mib", c->memory_mib);
  hg_cli_json_add_int (b, "cpus", c->cpus);
  hg_cli_json_add_string (b, "vga", c->vga);
  hg_cli_json_add_string (b, "network", net);

  json_builder_set_member_name (b, "guest");
  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "os-id", c->os_id);
  hg_cli_json_add_string (b, "name", c->os_name);
  hg_cli_json_add_string (b, "version", c->os_version);
  hg_cli_json_add_string (b, "family", c->os_family);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "boot");
  json_builder_begin_object (b);
  hg_cli_json_add_string (b, "mode", hg_boot_mode_to_string (c->boot_mode));
  hg_cli_json_add_string (b, "kernel", c->kernel);
  hg_cli_json_add_string (b, "initrd", c->initrd);
  hg_cli_json_add_string (b, "append", c->append);
  hg_cli_json_add_string (b, "dtb", c->dtb);
  json_builder_end_object (b);

  hg_cli_json_add_objects (b, "disks", c->disks, disk_json, c);
  hg_cli_json_add_objects (b, "media", c->media, medium_json, c);
  hg_cli_json_add_objects (b, "nics", c->nics, nic_json, c);

  hg_cli_json_add_string (b, "console", hg_console_to_string (c->console));
  hg_cli_json_add_string (b, "keymap", c->keymap);
  hg_cli_json_add_bool (b, "serial", c->serial);
  hg_cli_json_add_string (b, "firmware", hg_firmware_kind_to_string (c->firmware));
  hg_cli_json_add_bool (b, "tpm", c->tpm);
  json_builder_end_object (b);
  hg_cli_print_json (b);
}

static void
kv (GString    *out,
    const char *key,
    const char *value)
{
  if (value != NULL && value[0] != '\0')
    g_string_append_printf (out, "%-12s %s\n", key, value);
}

static void
info_text (HgVmConfig  *c,
           HgVmManager *manager,
           const char  *same_uuid_as)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *mem = g_strdup_printf ("%u MiB", c->memory_mib);
  g_autofree char *cpus = g_strdup_printf ("%u", c->cpus);
  g_autofree char *machine = c->machine != NULL
    ? g_strdup (c->machine)
    : g_strdup_printf (_("%s (default)"), hg_cmdline_default_machine (c->arch));

  kv (out, _("label:"), c->label);
  kv (out, _("uuid:"), c->uuid);
  if (same_uuid_as != NULL)
    {
      g_autofree char *line = g_strdup_printf (_("the same uuid as %s: “hangarctl reidentify %s” "
                                                 "gives this copy a new identity"),
                                               same_uuid_as, c->dir);
      kv (out, _("warning:"), line);
    }
  kv (out, _("config:"), c->path);
  {
    HgVm *vm = vm_for (manager, c);
    const char *reason = vm_state_reason (manager, c);
    g_autofree char *state = NULL;

    /* the reason when it is news: crashed, not responding, paused */
    if (vm != NULL && reason != NULL && reason[0] != '\0' &&
        (hg_vm_get_state (vm) != HG_VM_STATE_RUNNING || !hg_vm_is_responding (vm)))
      state = g_strdup_printf ("%s (%s)", vm_state_string (manager, c, FALSE), reason);
    else
      state = g_strdup (vm_state_string (manager, c, FALSE));
    kv (out, _("state:"), state);
  }
  if (vm_pid (manager, c) > 0)
    {
      g_autofree char *pid = g_strdup_printf ("%d", vm_pid (manager, c));
      kv (out, _("pid:"), pid);
    }
  kv (out, _("arch:"), c->arch);
  kv (out, _("machine:"), machine);
  kv (out, _("cpu:"), c->cpu_model);
  kv (out, _("accel:"), hg_accel_to_string (c->accel));
  kv (out, _("memory:"), mem);
  kv (out, _("cpus:"), cpus);
  kv (out, _("vga:"), c->vga);
  kv (out, _("os:"), c->os_id);
  kv (out, _("os name:"), c->os_name);
  kv (out, _("os version:"), c->os_version);
  kv (out, _("boot:"), hg_boot_mode_to_string (c->boot_mode));
  kv (out, _("kernel:"), c->kernel);
  kv (out, _("initrd:"), c->initrd);
  kv (out, _("append:"), c->append);
  kv (out, _("dtb:"), c->dtb);
  for (guint i = 0; i < c->disks->len; i++)
    {
      HgDisk *d = g_ptr_array_index (c->disks, i);
      g_autofree char *abs = hg_vm_config_resolve_path (c, d->path);
      g_autofree char *line = g_strdup_printf ("%s (%s%s%s)%s", d->path, d->format,
                                               d->interface != NULL ? ", " : "",
                                               d->interface != NULL ? d->interface : "",
                                               abs != NULL && !g_file_test (abs, G_FILE_TEST_EXISTS)
                                                 ? _(" — missing") : "");
      g_autofree char *key = g_strdup_printf (_("disk %u:"), i);
      kv (out, key, line);
    }
  for (guint i = 0; i < c->media->len; i++)
    {
      HgMedium *m = g_ptr_array_index (c->media, i);
      g_autofree char *key = g_strdup_printf ("%s %u:", hg_medium_kind_to_string (m->kind), i);
      kv (out, key, m->path != NULL && m->path[0] != '\0' ? m->path : _("(empty)"));
    }
  for (guint i = 0; i < c->nics->len; i++)
    {
      HgNic *n = g_ptr_array_index (c->nics, i);
      g_autofree char *what = nic_summary (n);
      g_autofree char *key = g_strdup_printf (_("net %u:"), i);
      g_autofree char *line = g_strdup_printf ("%s, mac %s%s%s", what,
                                               n->mac != NULL ? n->mac : "-",
                                               n->model != NULL ? ", " : "",
                                               n->model != NULL ? n->model : "");
      kv (out, key, line);
      if (n->mode == HG_NET_USER && n->hostfwd != NULL && n->hostfwd->len > 0)
        {
          g_autoptr(GString) fwds = g_string_new (NULL);

          for (guint j = 0; j < n->hostfwd->len; j++)
            {
              g_autofree char *one = fwd_text (g_ptr_array_index (n->hostfwd, j));

              g_string_append_printf (fwds, "%s%s", j > 0 ? ", " : "", one);
            }
          kv (out, _("forwards:"), fwds->str);
        }
    }
  if (c->nics->len == 0)
    kv (out, _("net:"), "none");
  kv (out, _("console:"), hg_console_to_string (c->console));
  kv (out, _("keymap:"), c->keymap);
  kv (out, _("serial:"), c->serial ? _("yes") : _("no"));
  kv (out, _("firmware:"), hg_firmware_kind_to_string (c->firmware));
  kv (out, _("tpm:"), c->tpm ? _("yes") : _("no"));
  if (vm_for (manager, c) != NULL && hg_vm_get_state (vm_for (manager, c)) == HG_VM_STATE_CRASHED)
    {
      const char *tail = hg_vm_get_log_tail (vm_for (manager, c));

      /* the last lines QEMU wrote, as the window shows them */
      if (tail != NULL && tail[0] != '\0')
        {
          g_auto(GStrv) lines = g_strsplit (tail, "\n", -1);

          g_string_append_printf (out, "%s\n", _("last log lines:"));
          for (guint i = 0; lines[i] != NULL; i++)
            g_string_append_printf (out, "  %s\n", lines[i]);
        }
      else
        kv (out, _("last log lines:"), _("(the log is empty)"));
    }
  fwrite (out->str, 1, out->len, stdout);
  fflush (stdout);
}

/* Shared by the commands that take one VM */
HgVmConfig *
hg_cli_lookup_vm (HgCliContext  *ctx,
           const char    *command,
           char         **local_bases,
           const char    *name,
           int           *out_status)
{
  g_auto(GStrv) bases = NULL;
  g_autoptr(GError) error = NULL;
  HgVmConfig *config;
  gboolean explicit = FALSE;

  bases = hg_cli_effective_bases (ctx, local_bases, &explicit);
  if (explicit && !check_bases_exist (command, (const char * const *) bases))
    {
      *out_status = HG_EXIT_NOT_FOUND;
      return NULL;
    }
  config = hg_library_lookup ((const char * const *) bases, name, &error);
  if (config == NULL)
    *out_status = hg_cli_fail (command, error);
  return config;
}

static int
cli_info (HgCliContext *ctx,
          int           argc,
          char        **argv)
{
  gboolean json = FALSE;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmManager) manager = NULL;
  g_autofree char *same_uuid_as = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("info", _("VM"), _("Shows a VM's configuration.  VM is a label, a VM "
                                        "directory or a .hangar file."),
                      entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc != 2)
    {
      hg_cli_error ("info", argc < 2 ? _("which VM? name it by label or directory")
                                     : _("takes one VM"));
      return HG_EXIT_USAGE;
    }
  config = hg_cli_lookup_vm (ctx, "info", local_bases, argv[1], &status);
  if (config == NULL)
    return status;
  manager = hg_vm_manager_new (NULL);
  hg_vm_manager_add (manager, config, 0);
  hg_vm_manager_refresh_sync (manager, LOOK_TIMEOUT_MS);
  {
    g_auto(GStrv) bases = hg_cli_effective_bases (ctx, local_bases, NULL);

    same_uuid_as = hg_library_find_same_uuid ((const char * const *) bases, config);
  }
  if (json || ctx->json)
    info_json (config, manager, same_uuid_as);
  else
    info_text (config, manager, same_uuid_as);
  return HG_EXIT_OK;
}

/* ---- reidentify ------------------------------------------------------------- */

static int
cli_reidentify (HgCliContext *ctx,
                int           argc,
                char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) renewed = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("reidentify", _("VM"),
                             _("Gives a VM a new uuid and new MAC addresses, e.g. a copy made "
                               "with cp -r that has the same identity as its original.  The VM "
                               "must not run."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("reidentify", argc, 2))
    return HG_EXIT_USAGE;
  config = hg_cli_lookup_vm (ctx, "reidentify", local_bases, argv[1], &status);
  if (config == NULL)
    return status;
  vm = hg_vm_new_for_config (config);
  hg_vm_set_control_client (vm, TRUE);
  hg_vm_set_attach_timeout (vm, LOOK_TIMEOUT_MS);
  hg_vm_refresh_state (vm, NULL);
  renewed = hg_vm_reidentify (vm, &error);
  if (renewed == NULL)
    {
      hg_cli_error ("reidentify", "%s", error->message);
      return error->domain == HG_PROCESS_ERROR &&
             (error->code == HG_PROCESS_ERROR_ALREADY_RUNNING || error->code == HG_PROCESS_ERROR_BUSY)
               ? HG_EXIT_STATE : exit_code_for (error);
    }
  hg_vm_detach (vm);
  g_print (_("VM '%s' has a new identity: uuid %s (was %s)"), renewed->label, renewed->uuid,
           config->uuid != NULL ? config->uuid : _("none"));
  if (renewed->nics->len > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE, ", %u new MAC address", ", %u new MAC addresses",
                          renewed->nics->len),
             renewed->nics->len);
  g_print ("\n");
  return HG_EXIT_OK;
}

/* ---- cmdline ---------------------------------------------------------------- */

static int
cli_cmdline (HgCliContext *ctx,
             int           argc,
             char        **argv)
{
  gboolean json = FALSE;
  g_autofree char *boot = NULL;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "boot", 0, 0, G_OPTION_ARG_STRING, &boot,
      N_("Boot mode: disk, cdrom, pxe, kernel, floppy or usb (default: the VM's)"), N_("MODE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the arguments as a JSON array"), NULL },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgHostCaps) caps = NULL;
  g_autoptr(HgRuntimePaths) paths = NULL;
  g_autoptr(HgVmImages) images = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  HgBootMode mode;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("cmdline", _("VM"), _("Prints the QEMU command line a start would run "
                                           "(never executed)."),
                      entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc != 2)
    {
      hg_cli_error ("cmdline", argc < 2 ? _("which VM? name it by label or directory")
                                        : _("takes one VM"));
      return HG_EXIT_USAGE;
    }
  if (boot != NULL && !hg_cli_parse_boot_mode ("cmdline", boot, &mode))
    return HG_EXIT_USAGE;
  config = hg_cli_lookup_vm (ctx, "cmdline", local_bases, argv[1], &status);
  if (config == NULL)
    return status;
  if (boot == NULL)
    mode = config->boot_mode;

  /* the images checked as a start checks them: the same argv */
  images = hg_vm_images_check (config, NULL, &error);
  if (images == NULL)
    return hg_cli_fail ("cmdline", error);
  caps = hg_host_caps_probe ();
  paths = hg_process_runtime_paths_for_config (config, NULL);
  args = hg_cmdline_build (config, mode, paths, caps, images, &error);
  if (args == NULL)
    return hg_cli_fail ("cmdline", error);

  if (json || ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_array (b);
      for (guint i = 0; args[i] != NULL; i++)
        json_builder_add_string_value (b, args[i]);
      json_builder_end_array (b);
      hg_cli_print_json (b);
    }
  else
    {
      g_autofree char *text = hg_cmdline_to_display ((const char * const *) args);
      g_print ("%s\n", text);
    }
  return HG_EXIT_OK;
}

/* ---- check ------------------------------------------------------------------ */

static void
check_line (GString    *out,
            const char *what,
            const char *path,
            const char *detail)
{
  g_string_append_printf (out, "%-16s %s%s%s\n", what,
                          path != NULL ? path : _("not found"),
                          detail != NULL ? "  " : "", detail != NULL ? detail : "");
}

static void
check_json_strv (JsonBuilder        *b,
                 const char         *key,
                 const char * const *strv)
{
  json_builder_set_member_name (b, key);
  if (strv == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_array (b);
  for (guint i = 0; strv[i] != NULL; i++)
    json_builder_add_string_value (b, strv[i]);
  json_builder_end_array (b);
}

/* An emulator's machines (with aliases and the default), CPU models and
 * accelerators in check --json; nothing when they could not be read */
static void
check_json_qemu_caps (JsonBuilder      *b,
                      const HgQemuCaps *qemu)
{
  GPtrArray *machines;

  if (qemu == NULL)
    return;
  machines = hg_qemu_caps_get_machines (qemu);
  hg_cli_json_add_string (b, "default-machine", hg_qemu_caps_get_default_machine (qemu));
  json_builder_set_member_name (b, "machines");
  json_builder_begin_array (b);
  for (guint i = 0; i < machines->len; i++)
    {
      const HgQemuMachine *m = g_ptr_array_index (machines, i);

      json_builder_begin_object (b);
      hg_cli_json_add_string (b, "name", m->name);
      hg_cli_json_add_string (b, "alias", m->alias);
      hg_cli_json_add_bool (b, "default", m->is_default);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  check_json_strv (b, "cpus", hg_qemu_caps_get_cpus (qemu));
  check_json_strv (b, "accels", hg_qemu_caps_get_accels (qemu));
}

static int
cli_check (HgCliContext *ctx,
           int           argc,
           char        **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(HgHostCaps) caps = NULL;
  g_autofree char *swtpm = hg_swtpm_find (NULL);
  const char * const *arches = hg_host_known_arches ();
  guint n_emulators = 0;

  if (!hg_cli_parse_options ("check", "", _("Shows which components are installed and working: QEMU "
                                     "emulators and their versions, qemu-img, KVM, VDE, the "
                                     "network helper and pkexec.  Exit status 5 when no QEMU "
                                     "emulator is installed at all."),
                      entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc > 1)
    {
      hg_cli_error ("check", _("unexpected argument '%s'"), argv[1]);
      return HG_EXIT_USAGE;
    }

  caps = hg_host_caps_probe ();
  /* What each emulator offers: asked of it over QMP once, then cached (a
   * command line tool may block on it; the window does it in a thread) */
  hg_host_caps_probe_qemu (caps);
  for (guint i = 0; arches[i] != NULL; i++)
    if (hg_host_caps_get_emulator (caps, arches[i]) != NULL)
      n_emulators++;

  if (json || ctx->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      hg_cli_json_add_string (b, "host-arch", caps->host_arch);
      json_builder_set_member_name (b, "kvm");
      json_builder_begin_object (b);
      hg_cli_json_add_bool (b, "usable", caps->kvm_usable && !caps->force_tcg);
      hg_cli_json_add_bool (b, "probed-working", caps->kvm_usable);
      hg_cli_json_add_bool (b, "forced-tcg", caps->force_tcg);
      hg_cli_json_add_string (b, "reason", caps->kvm_reason);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "emulators");
      json_builder_begin_array (b);
      for (guint i = 0; arches[i] != NULL; i++)
        {
          const HgEmulator *emu = hg_host_caps_get_emulator (caps, arches[i]);

          json_builder_begin_object (b);
          hg_cli_json_add_string (b, "arch", arches[i]);
          hg_cli_json_add_bool (b, "installed", emu != NULL);
          hg_cli_json_add_string (b, "path", emu != NULL ? emu->path : NULL);
          hg_cli_json_add_string (b, "version", emu != NULL ? emu->version : NULL);
          hg_cli_json_add_bool (b, "sandbox", emu != NULL && emu->sandbox);
          hg_cli_json_add_string (b, "firmware", hg_host_caps_get_firmware (caps, arches[i]));
          check_json_qemu_caps (b, hg_host_caps_get_qemu_caps (caps, arches[i]));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "qemu-img");
      json_builder_begin_object (b);
      hg_cli_json_add_string (b, "path", caps->qemu_img);
      hg_cli_json_add_string (b, "version", caps->qemu_img_version);
      json_builder_end_object (b);
      hg_cli_json_add_string (b, "vde_switch", caps->vde_switch);
      hg_cli_json_add_string (b, "vdeq", caps->vdeq);
      hg_cli_json_add_string (b, "vdeq-wrapper", caps->vdeq_wrapper);
      hg_cli_json_add_string (b, "helper", caps->helper);
      hg_cli_json_add_string (b, "pkexec", caps->pkexec);
      hg_cli_json_add_string (b, "swtpm", swtpm);
      json_builder_set_member_name (b, "firmware-descriptors");
      json_builder_begin_array (b);
      for (guint i = 0; caps->firmwares != NULL && i < caps->firmwares->len; i++)
        {
          const HgFirmware *fw = g_ptr_array_index (caps->firmwares, i);

          json_builder_begin_object (b);
          hg_cli_json_add_string (b, "path", fw->path);
          hg_cli_json_add_string (b, "description", fw->description);
          hg_cli_json_add_bool (b, "uefi", fw->uefi);
          hg_cli_json_add_string (b, "executable", fw->executable);
          hg_cli_json_add_string (b, "nvram-template", fw->nvram_template);
          hg_cli_json_add_bool (b, "secure-boot", (fw->features & HG_FIRMWARE_FEATURE_SECURE_BOOT) != 0);
          hg_cli_json_add_bool (b, "enrolled-keys", (fw->features & HG_FIRMWARE_FEATURE_ENROLLED_KEYS) != 0);
          hg_cli_json_add_bool (b, "requires-smm", (fw->features & HG_FIRMWARE_FEATURE_REQUIRES_SMM) != 0);
          json_builder_set_member_name (b, "architectures");
          json_builder_begin_array (b);
          for (guint k = 0; k < fw->targets->len; k++)
            json_builder_add_string_value (b, ((HgFirmwareTarget *) g_ptr_array_index (fw->targets, k))->arch);
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      hg_cli_print_json (b);
    }
  else
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *img = caps->qemu_img_version != NULL
        ? g_strdup_printf (_("version %s"), caps->qemu_img_version) : NULL;

      g_string_append_printf (out, "%-16s %s\n", _("host arch"), caps->host_arch);
      g_string_append_printf (out, "%-16s %s%s%s\n", "KVM",
                              caps->kvm_usable && !caps->force_tcg ? _("usable") : _("not used"),
                              caps->kvm_reason != NULL ? ": " : "",
                              caps->kvm_reason != NULL ? caps->kvm_reason : "");
      if (caps->force_tcg)
        g_string_append_printf (out, "%-16s %s\n", "", _("HANGAR_ACCEL=tcg forces TCG"));
      for (guint i = 0; arches[i] != NULL; i++)
        {
          const HgEmulator *emu = hg_host_caps_get_emulator (caps, arches[i]);
          g_autofree char *name = g_strdup_printf ("qemu-system-%s", hg_host_emulator_name (arches[i]));
          const HgQemuCaps *qemu = hg_host_caps_get_qemu_caps (caps, arches[i]);
          g_autofree char *detail = NULL;

          if (qemu != NULL && hg_qemu_caps_get_default_machine (qemu) != NULL)
            detail = g_strdup_printf (_("version %s, %u machines, default %s"),
                                      emu->version ? emu->version : "?",
                                      hg_qemu_caps_get_machines (qemu)->len,
                                      hg_qemu_caps_get_default_machine (qemu));
          else if (qemu != NULL)
            detail = g_strdup_printf (_("version %s, %u machines, no default"),
                                      emu->version ? emu->version : "?",
                                      hg_qemu_caps_get_machines (qemu)->len);
          else if (emu != NULL && emu->version != NULL)
            detail = g_strdup_printf (_("version %s"), emu->version);

          check_line (out, name, emu != NULL ? emu->path : NULL, detail);
        }
      check_line (out, "qemu-img", caps->qemu_img, img);
      check_line (out, "vde_switch", caps->vde_switch, NULL);
      check_line (out, "vdeq", caps->vdeq, NULL);
      check_line (out, "hangar-vdeq-qemu", caps->vdeq_wrapper, NULL);
      check_line (out, "hangar-net-helper", caps->helper, NULL);
      check_line (out, "pkexec", caps->pkexec, NULL);
      check_line (out, "swtpm", swtpm, NULL);
      /* QEMU's firmware descriptors, in the order they are chosen from */
      for (guint i = 0; caps->firmwares != NULL && i < caps->firmwares->len; i++)
        {
          const HgFirmware *fw = g_ptr_array_index (caps->firmwares, i);

          g_string_append_printf (out, "%-16s %s (%s)\n", i == 0 ? _("firmware") : "",
                                  fw->path, fw->description != NULL ? fw->description : "");
        }
      fwrite (out->str, 1, out->len, stdout);
      fflush (stdout);
    }

  if (n_emulators == 0)
    {
      hg_cli_error ("check", _("no QEMU system emulator (qemu-system-*) is installed"));
      return HG_EXIT_MISSING;
    }
  return HG_EXIT_OK;
}

const HgCliCommand hg_cli_library_commands[] = {
  { "list", N_("List the VMs of the library [--json]"), cli_list },
  { "info", N_("Show a VM's configuration: info VM [--json]"), cli_info },
  { "create", N_("Create a VM: create --label NAME [--disk-size 8G] [--iso FILE] …"), hg_cli_create },
  { "import-ctys", N_("Import a ctys .ctys file: import-ctys FILE [--base DIR]"), hg_cli_import_ctys },
  { "import", N_("Import a libvirt, quickemu, OVF/OVA or VMware VM: import FILE [--disks MODE]"),
    hg_cli_import },
  { "cmdline", N_("Print the QEMU command line: cmdline VM [--boot MODE] [--json]"), cli_cmdline },
  { "reidentify", N_("Give a VM (a copy) a new uuid and new MAC addresses: reidentify VM"),
    cli_reidentify },
  { "check", N_("Show which components are installed and working [--json]"), cli_check },
  { NULL }
};
