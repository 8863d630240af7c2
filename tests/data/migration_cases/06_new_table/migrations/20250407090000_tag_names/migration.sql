-- AlterTable
ALTER TABLE `woc_tags` MODIFY `name` VARCHAR(50) NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX `woc_tags_organizationId_name_key` ON `woc_tags`(`organizationId`, `name`);

-- AlterTable
ALTER TABLE `woc_tags` RENAME COLUMN `name` TO `label`;

-- DropTable
DROP TABLE `woc_tags`;
