// SPDX-License-Identifier: GPL-2.0
/* A one-vCPU, paging-off KVM guest that runs a command list; kvm_vm.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm_vm.h"
#include "mm_util.h"

/*
 * The guest, 32-bit code at GPA 0 (as --32; ESI walks the list):
 *
 *	mov  $KVM_VM_CMDS, %esi
 * next:	mov  (%esi), %eax;  test %eax, %eax;  jz done
 *	mov  4(%esi), %ebx;  cmp $1, %eax;  jne write
 *	mov (%ebx),%ecx; mov %ecx,8(%esi)  ... 4 dwords ...  jmp step
 * write:	mov 8(%esi),%ecx; mov %ecx,(%ebx)  ... 4 dwords ...
 * step:	add  $24, %esi;  jmp next
 * done:	hlt;  jmp done
 */
static const unsigned char kv_guest[] = {
	0xbe, 0x00, 0x10, 0x00, 0x00,
	0x8b, 0x06, 0x85, 0xc0, 0x74, 0x3d,
	0x8b, 0x5e, 0x04, 0x83, 0xf8, 0x01, 0x75, 0x19,
	0x8b, 0x0b, 0x89, 0x4e, 0x08, 0x8b, 0x4b, 0x04, 0x89, 0x4e, 0x0c,
	0x8b, 0x4b, 0x08, 0x89, 0x4e, 0x10, 0x8b, 0x4b, 0x0c, 0x89, 0x4e, 0x14,
	0xeb, 0x17,
	0x8b, 0x4e, 0x08, 0x89, 0x0b, 0x8b, 0x4e, 0x0c, 0x89, 0x4b, 0x04,
	0x8b, 0x4e, 0x10, 0x89, 0x4b, 0x08, 0x8b, 0x4e, 0x14, 0x89, 0x4b, 0x0c,
	0x83, 0xc6, 0x18, 0xeb, 0xbd,
	0xf4, 0xeb, 0xfd,
};

/* Does /proc/cpuinfo offer hardware virtualization (svm or vmx)? */
static bool kv_cpu_virt(void)
{
	char line[4096];
	bool found = false;
	FILE *f;

	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			found = strstr(line, " svm") || strstr(line, " vmx");
	fclose(f);
	return found;
}

static void kv_flat(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

/* Flat 32-bit protected mode, paging off, at the code's start. */
static int kv_reset(struct kvm_vm *vm)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -errno;
	kv_flat(&sregs.cs, 0x08, 0x0b);		/* execute/read, accessed */
	kv_flat(&sregs.ds, 0x10, 0x03);		/* read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = (sregs.cr0 | 1) & ~(1UL << 31);	/* PE, no PG */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs))
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0;
	regs.rflags = 2;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) ? -errno : 0;
}

int kvm_vm_open(struct kvm_vm *vm, char *why, size_t whylen)
{
	int ret, size;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->run = vm->code = MAP_FAILED;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "open /dev/kvm: %s%s", strerror(-ret),
			 kv_cpu_virt() ? "" : " (the CPU offers no SVM/VMX)");
		return kv_cpu_virt() ? ret : KVM_VM_SKIP;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, whylen, "KVM_GET_API_VERSION is not %d",
			 KVM_API_VERSION);
		return -EPROTO;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		goto fail_errno;
	vm->code = mmap(NULL, KVM_VM_CODE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->code == MAP_FAILED)
		goto fail_errno;
	memcpy(vm->code, kv_guest, sizeof(kv_guest));
	ret = kvm_vm_set_slot(vm, KVM_VM_CODE_SLOT, 0, vm->code,
			      KVM_VM_CODE_SIZE, 0);
	if (ret) {
		snprintf(why, whylen, "code memslot: %s", strerror(-ret));
		return ret;
	}
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		goto fail_errno;
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		goto fail_errno;
	vm->run_size = size;
	vm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		goto fail_errno;
	ret = kv_reset(vm);
	if (ret)
		snprintf(why, whylen, "vCPU registers: %s", strerror(-ret));
	return ret;

fail_errno:
	ret = -errno;
	snprintf(why, whylen, "creating the VM: %s", strerror(-ret));
	return ret;
}

void kvm_vm_close(struct kvm_vm *vm)
{
	if (vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->code != MAP_FAILED)
		munmap(vm->code, KVM_VM_CODE_SIZE);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->run = vm->code = MAP_FAILED;
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
}

int kvm_vm_set_slot(struct kvm_vm *vm, unsigned int slot, uint64_t gpa,
		    void *hva, uint64_t size, unsigned int flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

struct kvm_vm_cmd *kvm_vm_cmds(struct kvm_vm *vm)
{
	return (struct kvm_vm_cmd *)(vm->code + KVM_VM_CMDS);
}

int kvm_vm_run(struct kvm_vm *vm, unsigned int *exit, uint64_t *mmio_gpa,
	       unsigned int *done)
{
	struct kvm_run *run = vm->run;
	struct kvm_regs regs;
	int ret;

	*exit = 0;
	*done = 0;
	ret = kv_reset(vm);
	if (ret)
		return ret;
	ret = ioctl(vm->vcpu_fd, KVM_RUN, 0) ? -errno : 0;
	if (!ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) &&
	    regs.rsi >= KVM_VM_CMDS)
		*done = (regs.rsi - KVM_VM_CMDS) / sizeof(struct kvm_vm_cmd);
	if (ret)
		return ret;
	*exit = run->exit_reason;
	if (run->exit_reason == KVM_EXIT_MMIO && mmio_gpa)
		*mmio_gpa = run->mmio.phys_addr;
	return run->exit_reason == KVM_EXIT_HLT ? 0 : -EIO;
}

void kvm_vm_last_mmio(const struct kvm_vm *vm, struct kvm_vm_mmio *mmio)
{
	const struct kvm_run *run = vm->run;

	mmio->gpa = run->mmio.phys_addr;
	mmio->len = run->mmio.len;
	mmio->is_write = run->mmio.is_write;
	memcpy(mmio->data, run->mmio.data, sizeof(mmio->data));
}

int kvm_vm_dirty_log(struct kvm_vm *vm, unsigned int slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) ? -errno : 0;
}
