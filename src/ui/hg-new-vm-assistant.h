/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-host.h"
#include "hg-vm-config.h"
#include "hg-vm-spec.h"

G_BEGIN_DECLS

/*
 * HgNewVmAssistant — the creation assistant (what ctys-createConfVM did in a
 * terminal): a GtkAssistant whose pages edit one HgVmSpec.  Each page is
 * validated with hg_vm_spec_validate_page() as the user types; the first
 * problem is shown under the field at fault and the page stays incomplete
 * (Forward / Apply disabled) until it is fixed.  Apply on the summary page
 * creates the VM with hg_vm_spec_create_async() (progress bar, Cancel stops
 * it and nothing is left behind); then "created" is emitted and the
 * assistant closes itself.
 *
 * Signals:
 *   "created" (HgVmConfig *config, gboolean start_now): the VM exists on
 *       disk (config->path); start_now = the user asked to start it in
 *       install mode at once (hg_new_vm_assistant_get_install_mode()).
 */

#define HG_TYPE_NEW_VM_ASSISTANT (hg_new_vm_assistant_get_type ())
G_DECLARE_FINAL_TYPE (HgNewVmAssistant, hg_new_vm_assistant, HG, NEW_VM_ASSISTANT, GtkAssistant)

/* bases: the library (NULL = hg_library_configured_bases ()); caps: the
 * host (NULL = probed now, which may take a moment). */
HgNewVmAssistant *hg_new_vm_assistant_new          (GtkWindow          *parent,
                                                    const char * const *bases,
                                                    HgHostCaps         *caps);
HgVmSpec         *hg_new_vm_assistant_get_spec     (HgNewVmAssistant   *self);
/* Preselects an ISO as the install source (a file dropped or given on the
 * command line). */
void              hg_new_vm_assistant_set_iso      (HgNewVmAssistant   *self,
                                                    const char         *path);
/* The boot mode "start in install mode" uses: cdrom for an ISO, pxe,
 * kernel, else disk. */
HgBootMode        hg_new_vm_assistant_get_install_mode (HgNewVmAssistant *self);
/* The error shown inline on a page now, or NULL (for tests and a11y). */
const char       *hg_new_vm_assistant_get_page_error (HgNewVmAssistant *self,
                                                      HgVmSpecPage      page);
/* The page widget of a spec page (HG_VM_SPEC_PAGE_SUMMARY = the summary). */
GtkWidget        *hg_new_vm_assistant_get_page     (HgNewVmAssistant   *self,
                                                    HgVmSpecPage        page);
/* Validates every page now (it otherwise happens at idle after a change). */
void              hg_new_vm_assistant_revalidate   (HgNewVmAssistant   *self);

G_END_DECLS
