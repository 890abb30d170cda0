/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KVM guest for memslot tests: one VM, one vCPU in 32-bit
 * protected mode with flat 4 GiB segments and paging off (guest-physical
 * = linear address, so a memslot anywhere below 4 GiB is reachable
 * without page tables), set up through KVM_SET_SREGS alone.
 *
 * Memslot 0 (KVM_VM_CODE_SLOT, anonymous memory at GPA 0) holds a few
 * bytes of code at 0 and a command list at KVM_VM_CMDS.  The guest walks
 * the list: KVM_VM_READ copies 16 bytes from a guest-physical address
 * into the command, KVM_VM_WRITE stores the command's 16 bytes there;
 * KVM_VM_END halts (KVM_EXIT_HLT: without an in-kernel irqchip HLT
 * exits to userspace).  One KVM_RUN runs the whole list, so under TCG a
 * case costs one entry, not one exit per access.
 *
 * In the guest of this suite, /dev/kvm works under TCG too: QEMU's
 * -cpu max exposes SVM with NPT and kvm_amd loads, so the test's memslots
 * are mapped by nested page tables whose pfns come from
 * hva_to_pfn_remapped() -> follow_pfnmap_start() for a VM_PFNMAP VMA.
 *
 * Functions return 0 or -errno; kvm_vm_open() also KVM_VM_SKIP (WHY says
 * why) when the CPU offers no SVM/VMX, so the kernel cannot claim KVM.
 * kvm_vm_close() frees everything, also after a failed open.
 */
#ifndef MM_KVM_VM_H
#define MM_KVM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVM_VM_SKIP		1
#define KVM_VM_CODE_SLOT	0
#define KVM_VM_CODE_SIZE	(64 * 1024)
#define KVM_VM_CMDS		0x1000	/* GPA of the command list */
#define KVM_VM_MAX_CMDS		((KVM_VM_CODE_SIZE - KVM_VM_CMDS) / 24 - 1)

enum kvm_vm_op {
	KVM_VM_END = 0,
	KVM_VM_READ = 1,
	KVM_VM_WRITE = 2,
};

/* One command, as the guest reads it (24 bytes). */
struct kvm_vm_cmd {
	uint32_t op;
	uint32_t gpa;
	uint8_t data[16];	/* READ: out; WRITE: in */
};

struct kvm_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	void *run;		/* struct kvm_run, mmap()ed from vcpu_fd */
	size_t run_size;
	char *code;		/* memslot 0's memory */
};

int kvm_vm_open(struct kvm_vm *vm, char *why, size_t whylen);
void kvm_vm_close(struct kvm_vm *vm);

/*
 * KVM_SET_USER_MEMORY_REGION: slot SLOT maps [gpa, gpa + size) to HVA
 * with FLAGS (KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY: guest writes
 * exit as KVM_EXIT_MMIO); SIZE 0 deletes it.
 */
int kvm_vm_set_slot(struct kvm_vm *vm, unsigned int slot, uint64_t gpa,
		    void *hva, uint64_t size, unsigned int flags);

/* The command list the next kvm_vm_run() executes (memslot 0 memory). */
struct kvm_vm_cmd *kvm_vm_cmds(struct kvm_vm *vm);

/*
 * Reset the vCPU to the list's start and KVM_RUN until it halts.  0 at
 * the halt; -errno when KVM_RUN fails (-EFAULT: KVM found no pfn for a
 * guest access); -EIO when it exits for anything else (EXIT gets the
 * exit reason, and for KVM_EXIT_MMIO *MMIO_GPA the address).  DONE gets
 * the number of commands completed either way.
 */
int kvm_vm_run(struct kvm_vm *vm, unsigned int *exit, uint64_t *mmio_gpa,
	       unsigned int *done);

/* What the last KVM_EXIT_MMIO asked userspace to do (kvm_run.mmio). */
struct kvm_vm_mmio {
	uint64_t gpa;
	uint32_t len;
	bool is_write;
	uint8_t data[8];	/* the bytes a write stores */
};

/* kvm_run.mmio of the last exit; meaningful after KVM_EXIT_MMIO only. */
void kvm_vm_last_mmio(const struct kvm_vm *vm, struct kvm_vm_mmio *mmio);

/* KVM_GET_DIRTY_LOG of SLOT into BITMAP (one bit per 4 KiB page). */
int kvm_vm_dirty_log(struct kvm_vm *vm, unsigned int slot, void *bitmap);

#endif /* MM_KVM_VM_H */
