import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../common/transforms';

@InputType('ApiTokenCreateInput')
export class ApiTokenCreateInput {
  @Field()
  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'name cannot be empty' })
  @MaxLength(100)
  @Matches(/^[^\p{Cc}\p{Cs}]*$/u, { message: 'name cannot contain control characters' })
  name!: string;

  @Field(() => [String], { description: 'identities:read, identities:write, gdpr' })
  @ArrayMinSize(1, { message: 'scopes must name at least one scope' })
  @ArrayMaxSize(10)
  @IsString({ each: true })
  scopes!: string[];
}
