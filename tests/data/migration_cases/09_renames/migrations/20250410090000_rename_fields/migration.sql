-- AlterTable
ALTER TABLE `woc_users` RENAME COLUMN `name` TO `fullName`;

-- AlterTable
ALTER TABLE `woc_projects` CHANGE `name` `title` VARCHAR(191) NOT NULL;

-- AlterTable
ALTER TABLE `woc_users` CHANGE `passwordHash` `password_hash` VARCHAR(100) NOT NULL;

-- RenameTable
RENAME TABLE `woc_contact_messages` TO `woc_inquiries`;

-- RenameTable
ALTER TABLE `woc_inquiries` RENAME TO `woc_enquiries`;
