/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-details-view.h"
#include "hg-forward-row.h"
#include "hg-vm-forwards.h"
#include "hg-install-phase.h"
#include "hg-share.h"
#include "hg-vm-tree.h"

struct _HgDetailsView
{
  GtkBox       parent_instance;

  GtkStack    *stack;
  GtkImage    *state_image;
  GtkLabel    *title_label;
  GtkLabel    *path_label;
  GtkInfoBar  *error_bar;
  GtkLabel    *error_label;
  GtkInfoBar  *identity_bar;
  GtkLabel    *identity_label;
  GtkWidget   *reidentify_button;
  GtkLabel    *arch_value;
  GtkLabel    *machine_value;
  GtkLabel    *cpu_value;
  GtkLabel    *accel_value;
  GtkLabel    *memory_value;
  GtkLabel    *cpus_value;
  GtkLabel    *console_value;
  GtkLabel    *os_value;
  GtkLabel    *boot_value;
  GtkLabel    *disks_value;
  GtkLabel    *media_value;
  GtkLabel    *network_value;
  GtkLabel    *runtime_value;
  GtkLabel    *forwards_title;
  GtkWidget   *forwards_frame;
  GtkListBox  *forwards_list;
  GtkLabel    *shares_title;
  GtkLabel    *shares_label;
  GtkTextView *cmdline_view;
  GtkRevealer *log_revealer;
  GtkTextView *log_view;

  GCancellable *cmdline_cancellable; /* the images check behind the command line */
};

G_DEFINE_FINAL_TYPE (HgDetailsView, hg_details_view, GTK_TYPE_BOX)

enum {
  SIGNAL_REIDENTIFY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
hg_details_view_new (void)
{
  return g_object_new (HG_TYPE_DETAILS_VIEW, NULL);
}

static void
set_value (GtkLabel   *label,
           const char *value)
{
  gtk_label_set_text (label, value != NULL && value[0] != '\0' ? value : "—");
}

static const char *
medium_kind_name (HgMediumKind kind)
{
  switch (kind)
    {
    case HG_MEDIUM_CDROM:
      return _("CD/DVD");
    case HG_MEDIUM_FLOPPY:
      return _("Floppy");
    case HG_MEDIUM_USB:
      return _("USB stick");
    default:
      return "?";
    }
}

static char *
describe_disks (HgVmConfig *config)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; config->disks != NULL && i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);
      g_string_append_printf (out, "%s%s (%s%s%s)", out->len > 0 ? "\n" : "", disk->path,
                              disk->format, disk->interface != NULL ? ", " : "",
                              disk->interface != NULL ? disk->interface : "");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
describe_media (HgVmConfig *config)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; config->media != NULL && i < config->media->len; i++)
    {
      HgMedium *medium = g_ptr_array_index (config->media, i);
      g_string_append_printf (out, "%s%s: %s", out->len > 0 ? "\n" : "",
                              medium_kind_name (medium->kind),
                              medium->path != NULL && medium->path[0] != '\0'
                                ? medium->path : _("empty"));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
describe_network (HgVmConfig *config)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; config->nics != NULL && i < config->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (config->nics, i);

      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, hg_net_mode_to_string (nic->mode));
      if (nic->mode == HG_NET_VDE)
        g_string_append_printf (out, _(" on switch %s%s"),
                                nic->switch_name != NULL ? nic->switch_name : "default",
                                nic->vdeq ? _(" (through vdeq)") : "");
      else if (nic->mode == HG_NET_TAP && nic->tap != NULL)
        g_string_append_printf (out, " %s", nic->tap);
      if (nic->model != NULL)
        g_string_append_printf (out, ", %s", nic->model);
      if (nic->mac != NULL)
        g_string_append_printf (out, ", MAC %s", nic->mac);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "q35, UEFI with Secure Boot, TPM 2.0" */
static char *
describe_machine (HgVmConfig *config)
{
  GString *out = g_string_new (config->machine != NULL ? config->machine : _("default"));

  if (config->firmware == HG_FIRMWARE_UEFI)
    g_string_append (out, _(", UEFI"));
  else if (config->firmware == HG_FIRMWARE_UEFI_SECURE)
    g_string_append (out, _(", UEFI with Secure Boot"));
  if (config->tpm)
    g_string_append (out, _(", TPM 2.0"));
  return g_string_free (out, FALSE);
}

static char *
describe_boot (HgVmConfig *config)
{
  GString *out = g_string_new (hg_boot_mode_to_string (config->boot_mode));

  if (hg_install_phase_active (config))
    g_string_append (out, _(" — express install: the guest installs itself, you can watch it; "
                            "when it is done Hangar removes the install media and starts it "
                            "from its disk"));
  if (config->kernel != NULL)
    g_string_append_printf (out, _("\nkernel %s"), config->kernel);
  if (config->initrd != NULL)
    g_string_append_printf (out, _("\ninitrd %s"), config->initrd);
  if (config->append != NULL)
    g_string_append_printf (out, _("\nappend “%s”"), config->append);
  return g_string_free (out, FALSE);
}

/* the user-mode NIC's forwards, each with "Copy Address"; hidden without
 * one */
static void
fill_forwards (HgDetailsView *self,
               HgVmConfig    *config)
{
  g_autoptr(GList) rows = gtk_container_get_children (GTK_CONTAINER (self->forwards_list));
  gint nic = config != NULL ? hg_vm_config_forward_nic (config, -1, NULL) : -1;
  HgNic *n;

  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  gtk_widget_set_visible (GTK_WIDGET (self->forwards_title), nic >= 0);
  gtk_widget_set_visible (self->forwards_frame, nic >= 0);
  if (nic < 0)
    return;
  n = g_ptr_array_index (config->nics, nic);
  for (guint i = 0; i < n->hostfwd->len; i++)
    gtk_container_add (GTK_CONTAINER (self->forwards_list),
                       hg_forward_row_new (g_ptr_array_index (n->hostfwd, i), FALSE));
}

/* each shared folder: its tag, folder, mode, transport and the guest's
 * mount command; hidden without one */
static void
fill_shares (HgDetailsView *self,
             HgVmConfig    *config)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; config != NULL && config->shares != NULL && i < config->shares->len; i++)
    {
      HgShare *share = g_ptr_array_index (config->shares, i);
      g_autofree char *mount = hg_share_mount_command (share);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* Translators: tag, folder, read-only/read-write, virtiofs/9p, the guest's command */
      g_string_append_printf (text, _("“%s”: %s (%s, %s)\nIn the guest: %s"), share->tag,
                              share->path, share->readonly ? _("read-only") : _("read-write"),
                              hg_share_effective_transport (share) == HG_SHARE_VIRTIOFS
                                ? "virtiofs" : "9p", mount);
    }
  gtk_label_set_text (self->shares_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->shares_title), text->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->shares_label), text->len > 0);
}

static void
cancel_command_line (HgDetailsView *self)
{
  if (self->cmdline_cancellable != NULL)
    g_cancellable_cancel (self->cmdline_cancellable);
  g_clear_object (&self->cmdline_cancellable);
}

void
hg_details_view_set_vm (HgDetailsView *self,
                        const char    *config_path,
                        HgVmConfig    *config,
                        const char    *error)
{
  g_autofree char *memory = NULL;
  g_autofree char *cpus = NULL;
  g_autofree char *os = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *machine = NULL;
  g_autofree char *disks = NULL;
  g_autofree char *media = NULL;
  g_autofree char *network = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (HG_IS_DETAILS_VIEW (self));

  /* another VM, or the same one anew: its command line is asked for again */
  cancel_command_line (self);

  hg_details_view_set_same_identity (self, NULL);
  fill_forwards (self, config);
  fill_shares (self, config);
  if (config_path == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "vm");

  if (config != NULL)
    title = g_strdup (config->label);
  else
    title = g_path_get_basename (config_path);
  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->path_label, config_path);

  gtk_label_set_text (self->error_label, error != NULL ? error : "");
  gtk_info_bar_set_revealed (self->error_bar, error != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->error_bar), error != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cmdline_view), config != NULL);

  if (config == NULL)
    {
      GtkLabel *values[] = { self->arch_value, self->machine_value, self->cpu_value,
                             self->accel_value, self->memory_value, self->cpus_value,
                             self->console_value, self->os_value, self->boot_value,
                             self->disks_value, self->media_value, self->network_value };
      for (guint i = 0; i < G_N_ELEMENTS (values); i++)
        set_value (values[i], NULL);
      hg_details_view_set_command_line (self, NULL, _("The configuration has errors."));
      return;
    }

  memory = g_strdup_printf (_("%u MiB"), config->memory_mib);
  cpus = g_strdup_printf ("%u", config->cpus);
  os = g_strjoin (" ", config->os_name != NULL ? config->os_name : "",
                  config->os_version != NULL ? config->os_version : "",
                  config->os_id != NULL && config->os_name == NULL ? config->os_id : "", NULL);
  g_strstrip (os);
  boot = describe_boot (config);
  disks = describe_disks (config);
  media = describe_media (config);
  network = describe_network (config);

  set_value (self->arch_value, config->arch);
  machine = describe_machine (config);
  set_value (self->machine_value, machine);
  set_value (self->cpu_value, config->cpu_model != NULL ? config->cpu_model : _("default"));
  set_value (self->accel_value, hg_accel_to_string (config->accel));
  set_value (self->memory_value, memory);
  set_value (self->cpus_value, cpus);
  set_value (self->console_value, hg_console_to_string (config->console));
  set_value (self->os_value, os);
  set_value (self->boot_value, boot);
  set_value (self->disks_value, disks[0] != '\0' ? disks : _("none"));
  set_value (self->media_value, media[0] != '\0' ? media : _("none"));
  set_value (self->network_value, network[0] != '\0' ? network : _("none"));
}

void
hg_details_view_set_command_line (HgDetailsView *self,
                                  const char    *command_line,
                                  const char    *error)
{
  GtkTextBuffer *buffer;

  g_return_if_fail (HG_IS_DETAILS_VIEW (self));

  /* what is shown now replaces the pending check's result */
  cancel_command_line (self);
  buffer = gtk_text_view_get_buffer (self->cmdline_view);
  if (command_line != NULL)
    gtk_text_buffer_set_text (buffer, command_line, -1);
  else
    {
      g_autofree char *text = g_strdup_printf (_("No command line: %s"),
                                               error != NULL ? error : _("unknown reason"));
      gtk_text_buffer_set_text (buffer, text, -1);
    }
}

GCancellable *
hg_details_view_begin_command_line (HgDetailsView *self)
{
  g_return_val_if_fail (HG_IS_DETAILS_VIEW (self), NULL);

  hg_details_view_set_command_line (self, _("checking the disk images…"), NULL);
  self->cmdline_cancellable = g_cancellable_new ();
  return self->cmdline_cancellable;
}

/* HgVm's state names, as the user reads them */
static const char *
state_label (const char *state)
{
  static const struct { const char *name; const char *label; } labels[] = {
    { "stopped", N_("stopped") },
    { "starting", N_("starting") },
    { "running", N_("running") },
    { "paused", N_("paused") },
    { "shutting-down", N_("shutting down") },
    { "crashed", N_("crashed") },
    { "not-responding", N_("not responding") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (state, labels[i].name))
      return _(labels[i].label);
  return state;
}

void
hg_details_view_set_runtime (HgDetailsView *self,
                             const char    *state,
                             const char    *details)
{
  g_autofree char *text = NULL;

  g_return_if_fail (HG_IS_DETAILS_VIEW (self));

  if (state == NULL)
    state = "stopped";
  text = details != NULL ? g_strdup_printf ("%s — %s", state_label (state), details)
                         : g_strdup (state_label (state));
  set_value (self->runtime_value, text);
  gtk_image_set_from_icon_name (self->state_image, hg_vm_tree_state_icon_name (state),
                                GTK_ICON_SIZE_DIALOG);
}

void
hg_details_view_set_log_tail (HgDetailsView *self,
                              const char    *log_tail)
{
  g_return_if_fail (HG_IS_DETAILS_VIEW (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->log_view),
                            log_tail != NULL ? log_tail : "", -1);
  gtk_revealer_set_reveal_child (self->log_revealer, log_tail != NULL);
}

char *
hg_details_view_dup_command_line (HgDetailsView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (HG_IS_DETAILS_VIEW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->cmdline_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

char *
hg_details_view_dump (HgDetailsView *self)
{
  GString *out;
  struct { const char *name; GtkLabel *label; } rows[] = {
    { "arch", self->arch_value }, { "machine", self->machine_value },
    { "cpu", self->cpu_value }, { "accel", self->accel_value },
    { "memory", self->memory_value }, { "cpus", self->cpus_value },
    { "console", self->console_value }, { "os", self->os_value },
    { "boot", self->boot_value }, { "disks", self->disks_value },
    { "media", self->media_value }, { "network", self->network_value },
    { "runtime", self->runtime_value },
  };
  g_autofree char *cmdline = NULL;
  GtkTextIter start, end;

  g_return_val_if_fail (HG_IS_DETAILS_VIEW (self), NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out, "title: %s\n", gtk_label_get_text (self->title_label));
  if (gtk_info_bar_get_revealed (self->error_bar))
    g_string_append_printf (out, "error: %s\n", gtk_label_get_text (self->error_label));
  if (gtk_info_bar_get_revealed (self->identity_bar))
    g_string_append_printf (out, "identity: %s\n", gtk_label_get_text (self->identity_label));
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_string_append_printf (out, "%s: %s\n", rows[i].name, gtk_label_get_text (rows[i].label));
  {
    g_autoptr(GList) forwards = gtk_container_get_children (GTK_CONTAINER (self->forwards_list));

    for (GList *l = forwards; l != NULL; l = l->next)
      {
        g_autofree char *line = hg_forward_row_dump (l->data);

        g_string_append_printf (out, "forward: %s\n", line);
      }
  }
  if (gtk_widget_get_visible (GTK_WIDGET (self->shares_label)))
    g_string_append_printf (out, "shares: %s\n", gtk_label_get_text (self->shares_label));
  cmdline = hg_details_view_dup_command_line (self);
  g_string_append_printf (out, "cmdline: %s\n", cmdline);
  if (gtk_revealer_get_reveal_child (self->log_revealer))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->log_view);
      g_autofree char *log = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      log = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      g_string_append_printf (out, "log: %s\n", log);
    }
  return g_string_free (out, FALSE);
}

void
hg_details_view_set_same_identity (HgDetailsView *self,
                                   const char    *other_config_path)
{
  g_autofree char *text = NULL;

  g_return_if_fail (HG_IS_DETAILS_VIEW (self));

  if (other_config_path != NULL)
    text = g_strdup_printf (_("This VM has the same identity (uuid) as %s: a copy of it. "
                              "Give this copy a new identity before running both."),
                            other_config_path);
  gtk_label_set_text (self->identity_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->identity_bar), text != NULL);
  gtk_info_bar_set_revealed (self->identity_bar, text != NULL);
}

static void
on_identity_response (GtkInfoBar    *bar,
                      int            response,
                      HgDetailsView *self)
{
  if (response == 1)
    g_signal_emit (self, signals[SIGNAL_REIDENTIFY], 0);
}

const char *
hg_details_view_get_title (HgDetailsView *self)
{
  g_return_val_if_fail (HG_IS_DETAILS_VIEW (self), NULL);
  return gtk_label_get_text (self->title_label);
}

static void
hg_details_view_dispose (GObject *object)
{
  HgDetailsView *self = HG_DETAILS_VIEW (object);

  cancel_command_line (self);
  G_OBJECT_CLASS (hg_details_view_parent_class)->dispose (object);
}

static void
hg_details_view_class_init (HgDetailsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_details_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-details-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HgDetailsView, name)
  BIND (stack);
  BIND (state_image);
  BIND (title_label);
  BIND (path_label);
  BIND (error_bar);
  BIND (error_label);
  BIND (identity_bar);
  BIND (identity_label);
  BIND (reidentify_button);
  BIND (arch_value);
  BIND (machine_value);
  BIND (cpu_value);
  BIND (accel_value);
  BIND (memory_value);
  BIND (cpus_value);
  BIND (console_value);
  BIND (os_value);
  BIND (boot_value);
  BIND (disks_value);
  BIND (media_value);
  BIND (network_value);
  BIND (runtime_value);
  BIND (forwards_title);
  BIND (forwards_frame);
  BIND (forwards_list);
  BIND (shares_title);
  BIND (shares_label);
  BIND (cmdline_view);
  BIND (log_revealer);
  BIND (log_view);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_identity_response);
  gtk_widget_class_set_css_name (widget_class, "hgdetailsview");

  /* the user asked for a new identity (the info bar's button): the owner
   * does it through the core (hg_vm_reidentify) */
  signals[SIGNAL_REIDENTIFY] =
    g_signal_new ("reidentify", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hg_details_view_init (HgDetailsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  GtkLabel *values[] = { self->arch_value, self->machine_value, self->cpu_value,
                         self->accel_value, self->memory_value, self->cpus_value,
                         self->console_value, self->os_value, self->boot_value,
                         self->disks_value, self->media_value, self->network_value,
                         self->runtime_value };

  /* Selectable with the mouse, but never handed the keyboard when the page
   * comes to the front (GTK would select the whole value) */
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    gtk_widget_set_can_focus (GTK_WIDGET (values[i]), FALSE);
  hg_details_view_set_runtime (self, NULL, NULL);
  hg_details_view_set_log_tail (self, NULL);
}
